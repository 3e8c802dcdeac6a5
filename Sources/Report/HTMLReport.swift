import Analysis
import HashKit

/// report.html: the sections of REPORT.md in one self-contained page (inline CSS, inline JS,
/// the charts as inline SVG, thumbnails by relative path) plus a gallery of the pairs side by
/// side that sorts by distance and filters by dataset pair. It loads nothing from a network.
enum HTMLReport {
    /// `svgs` maps a chart file name (e.g. "perceptual_venn_diagram.svg") to its SVG text.
    static func render(_ data: ReportData, svgs: [String: String]) -> String {
        var h = ""
        func add(_ s: String) { h += s + "\n" }
        let e = Text.html
        let result = data.result

        add("<!DOCTYPE html>")
        add("<html lang=\"en\"><head><meta charset=\"utf-8\">")
        add("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        add("<title>crosshash: \(e(data.names.joined(separator: ", ")))</title>")
        add("<style>\(css)</style></head><body><main>")

        // 1. Title, overview, datasets.
        add("<h1>Cross-dataset image duplicates</h1>")
        add("<p>crosshash compared \(Text.plural(data.totalImages, "image")) in \(Text.plural(data.names.count, "dataset")) "
            + "(\(e(data.names.joined(separator: ", ")))) to find the same picture in more than one collection. "
            + e(data.foundSentence.prefix(1).uppercased() + data.foundSentence.dropFirst()) + ".</p>")
        add("<table><thead><tr><th>Dataset</th><th class=\"n\">Images</th><th class=\"n\">Errors</th></tr></thead><tbody>")
        for d in result.datasets {
            add("<tr><td>\(e(d.spec.name))</td><td class=\"n\">\(Text.count(d.keys.count))</td><td class=\"n\">\(Text.count(d.errorCount))</td></tr>")
        }
        add("</tbody></table>")

        // 2. Methodology.
        add("<h2>Methodology</h2><ul>")
        for v in data.views {
            add("<li><b>\(e(v.name))</b>, \(v.family.bits) bits, threshold \(v.result.threshold): \(e(v.family.method))</li>")
        }
        add("</ul>")
        add("<p>Two images of different datasets form a <b>pair</b> when their hashes differ in at most the threshold's "
            + "number of bits; pairs sharing an image join into <b>groups</b>.</p>")

        // 3. Results.
        add("<h2>Results</h2>")
        for (k, v) in data.views.enumerated() {
            add("<h3>\(e(v.name))</h3><div class=\"charts\">")
            for (j, file) in ["\(v.prefix)_venn_diagram.svg", "\(v.prefix)_distance_histogram.svg"].enumerated() {
                add("<figure>\(inlineSVG(svgs[file] ?? "", idPrefix: "c\(k)\(j)-"))</figure>")
            }
            add("</div><p>\(Text.plural(v.result.pairs.count, "pair")) in \(Text.plural(v.result.groups.count, "group")); "
                + "\(Text.plural(v.nearest.matched, "image has", "images have")) a match in another dataset. \(e(v.nearest.verdict))</p>")
            if let warning = ReportData.truncationWarning(v.result) { add("<p class=\"warning\"><strong>\(e(warning))</strong></p>") }
        }
        if data.verifiedOverlap != nil {
            add("<h3>Verified copies</h3><div class=\"charts\"><figure>\(inlineSVG(svgs["verified_venn_diagram.svg"] ?? "", idPrefix: "cv-"))</figure></div>")
        }
        if let sentence = data.verificationSentence { add("<p>\(e(sentence))</p>") }
        add("<h3>Pairs per dataset pair</h3>")
        if data.pairCounts.isEmpty {
            add("<p>With a single dataset there are no cross-dataset pairs.</p>")
        } else {
            add("<table><thead><tr><th>Dataset A</th><th>Dataset B</th>"
                + data.views.map { "<th class=\"n\">\($0.family.id) pairs</th>" }.joined()
                + "<th class=\"n\">found by \(data.agreement)</th></tr></thead><tbody>")
            for row in data.pairCounts {
                add("<tr><td>\(e(data.names[row.a]))</td><td>\(e(data.names[row.b]))</td>"
                    + row.perFamily.map { "<td class=\"n\">\(Text.count($0))</td>" }.joined()
                    + "<td class=\"n\">\(Text.count(row.all))</td></tr>")
            }
            add("</tbody></table>")
        }

        // 4. Files.
        add("<h2>Files</h2><ul>")
        for f in data.files {
            add("<li><a href=\"\(e(Text.urlPath(f.path)))\">\(e(f.path))</a>: \(e(f.what))</li>")
        }
        add("</ul>")

        // 5. Pair gallery.
        add("<h2>All similar image pairs</h2>")
        add("<div class=\"controls\"><label>Hash <select id=\"alg\">")
        for v in data.views {
            add("<option value=\"\(v.family.id)\">\(e(v.name)): \(Text.plural(v.result.pairs.count, "pair"))</option>")
        }
        add("</select></label> <label>Datasets <select id=\"pair\"><option value=\"\">all dataset pairs</option>")
        for row in data.pairCounts {
            add("<option value=\"\(row.a)-\(row.b)\">\(e(data.names[row.a])) ↔ \(e(data.names[row.b]))</option>")
        }
        add("</select></label> <label>Sort <select id=\"sort\"><option value=\"d\">closest first</option>"
            + "<option value=\"-d\">farthest first</option><option value=\"o\">closest under the other hash</option>"
            + "<option value=\"i\">file order</option></select></label>"
            + (data.verification != nil ? " <label><input type=\"checkbox\" id=\"vonly\"> verified only</label>" : "")
            + " <span id=\"shown\"></span></div>")
        add("<div id=\"gallery\">")
        for v in data.views {
            let ordered = v.shown.enumerated().map { ($0.offset, $0.element) }
            // The pair's own family first (highlighted), then the family whose distance it carries.
            let other = v.result.otherFamily
            for (i, p) in ordered {
                let badge = data.badge(p)
                add("<div class=\"pair\" data-alg=\"\(v.family.id)\" data-pair=\"\(p.a.dataset)-\(p.b.dataset)\" "
                    + "data-d=\"\(p.distance)\" data-o=\"\(p.otherDistance)\" data-i=\"\(i)\""
                    + (badge.map { _ in " data-v=\"\(data.isVerified(p) ? 1 : 0)\"" } ?? "") + ">"
                    + figure(p.a, data) + figure(p.b, data)
                    + "<div class=\"dist\"><span class=\"main\">\(v.family.id) \(p.distance)</span>"
                    + (other == v.family || p.otherDistance == CrossPair.noDistance ? "" : " <span>\(other.id) \(p.otherDistance)</span>")
                    + (ReportData.turn(p).map { " <span class=\"transform\" title=\"b matches a turned by this transform\">\($0.name)</span>" } ?? "")
                    + (badge.map { " <span class=\"badge \($0.verified ? "ok" : "no")\">\(e($0.text))</span>" } ?? "")
                    + (data.reviewText(p).map { " <span class=\"badge review\">\(e($0))</span>" } ?? "")
                    + "</div></div>")
            }
        }
        add("</div>")
        for v in data.views where v.omitted > 0 {
            add("<p class=\"note\">\(e(v.name)): showing the \(Text.count(v.shown.count)) closest of "
                + "\(Text.plural(v.result.pairs.count, "pair")); \(Text.count(v.omitted)) more \(v.omitted == 1 ? "is" : "are") left out here. "
                + "<a href=\"\(v.prefix)_cross_duplicates.json\">\(v.prefix)_cross_duplicates.json</a> holds all of them.</p>")
        }

        // 6. Summary.
        add("<h2>Summary</h2><ul>")
        for s in MarkdownReport.summary(data) { add("<li>\(e(s))</li>") }
        add("</ul></main>")
        add("<script>\(script)</script>")
        add("</body></html>")
        return h
    }

    static func figure(_ ref: ImageRef, _ data: ReportData) -> String {
        let e = Text.html
        let src = "examples/" + Text.urlPath(data.thumbnails[ref] ?? "missing.jpg")
        return "<figure><img src=\"\(e(src))\" alt=\"\(e(ref.key.display))\" loading=\"lazy\">"
            + "<figcaption><b>Dataset:</b> \(e(data.datasetName(ref)))<br><b>Filename:</b> \(e(data.fileLabel(ref)))</figcaption></figure>"
    }

    /// Makes a cairo SVG file fit inside an HTML page: no XML prolog, no namespace URLs (the
    /// HTML parser puts <svg> and xlink:href into their namespaces by itself), and ids made
    /// unique per chart, since ids are page-wide and every cairo SVG names its glyphs alike.
    static func inlineSVG(_ svg: String, idPrefix: String) -> String {
        var s = Array(svg.utf8)
        guard let start = Text.firstIndex(of: Array("<svg".utf8), in: s) else { return "<p class=\"note\">(chart missing)</p>" }
        s.removeFirst(start)
        for attr in [" xmlns=\"http://www.w3.org/2000/svg\"", " xmlns:xlink=\"http://www.w3.org/1999/xlink\""] {
            s = Text.replacing(attr, with: "", in: s)
        }
        s = Text.replacing("id=\"", with: "id=\"\(idPrefix)", in: s)
        s = Text.replacing("href=\"#", with: "href=\"#\(idPrefix)", in: s)
        s = Text.replacing("url(#", with: "url(#\(idPrefix)", in: s)
        // cairo's SVG is ASCII and ends in a newline.
        while let last = s.last, last == 0x20 || (0x09...0x0D).contains(last) { s.removeLast() }
        return String(decoding: s, as: UTF8.self)
    }

    static let css = """
    body{margin:0;background:#fafafa;color:#222;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
    main{max-width:1100px;margin:0 auto;padding:24px 28px;background:#fff}
    h1{font-size:28px;margin:8px 0 12px}h2{margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}
    table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #ddd;padding:4px 10px;text-align:left}
    th{background:#f3f3f3}td.n,th.n{text-align:right}
    .charts{display:flex;flex-direction:column;gap:12px}.charts figure{margin:0;max-width:880px}
    svg{max-width:100%;height:auto;border:1px solid #eee}
    .controls{position:sticky;top:0;background:#fff;padding:8px 0;border-bottom:1px solid #eee;z-index:1}
    .controls label{margin-right:14px}#shown{color:#666}
    #gallery{display:flex;flex-direction:column;gap:10px;margin-top:12px}
    .pair{display:grid;grid-template-columns:1fr 1fr 170px;gap:12px;align-items:center;border:1px solid #e3e3e3;border-radius:6px;padding:8px}
    .pair figure{margin:0;text-align:center}.pair img{max-width:256px;max-height:256px;background:#eee;border:1px solid #ddd}
    .badge{display:block;margin-top:6px;padding:2px 6px;border-radius:4px;font-size:12px}.badge.ok{background:#d8f0d8;color:#185c18}.badge.no{background:#f6dcdc;color:#7a1c1c}
    .pair figcaption{font-size:13px;color:#444;word-break:break-all}
    .dist span{display:block;color:#666}.dist .main{font-weight:bold;color:#222;font-size:17px}
    .note{color:#a33}[hidden]{display:none!important}
    """

    /// Filtering and sorting of the gallery. No comments with double slashes: the page is
    /// checked for protocol-relative URLs.
    static let script = """
    (function(){
      var g=document.getElementById('gallery');
      var cards=Array.prototype.slice.call(g.querySelectorAll('.pair'));
      var alg=document.getElementById('alg'),pair=document.getElementById('pair'),sort=document.getElementById('sort');
      var shown=document.getElementById('shown'),vonly=document.getElementById('vonly');
      function num(c,k){return parseInt(c.getAttribute('data-'+k),10);}
      function update(){
        var a=alg.value,p=pair.value,s=sort.value;
        var vo=vonly&&vonly.checked;
        var vis=cards.filter(function(c){return c.getAttribute('data-alg')===a&&(!p||c.getAttribute('data-pair')===p)&&(!vo||c.getAttribute('data-v')==='1');});
        vis.sort(function(x,y){
          var r=0;
          if(s==='d')r=num(x,'d')-num(y,'d');
          else if(s==='-d')r=num(y,'d')-num(x,'d');
          else if(s==='o')r=num(x,'o')-num(y,'o');
          return r||num(x,'i')-num(y,'i');
        });
        cards.forEach(function(c){c.hidden=true;});
        vis.forEach(function(c){c.hidden=false;g.appendChild(c);});
        shown.textContent=vis.length+(vis.length===1?' pair shown':' pairs shown');
      }
      [alg,pair,sort,vonly].forEach(function(el){if(el)el.addEventListener('change',update);});
      update();
    })();
    """
}
