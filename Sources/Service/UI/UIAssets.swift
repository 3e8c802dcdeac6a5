/// The pages' one script and one style sheet, served as /ui/app.js and /ui/app.css (the
/// Content-Security-Policy allows no inline code). Plain JavaScript, no libraries: the pages
/// work without it except for scans, reviews and search, which call the API with `fetch`
/// (same origin, so the session cookie goes along and the origin guard lets them through).
enum UIAssets {
    static let css = """
    :root { color-scheme: light dark; --accent: #1f6feb; --line: #8884; }
    * { box-sizing: border-box; }
    body { font: 15px/1.45 system-ui, sans-serif; margin: 0; }
    header nav { display: flex; gap: 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
    header nav a[aria-current] { font-weight: bold; }
    .logout { margin-left: auto; }
    main { padding: 0 1rem 2rem; max-width: 1280px; margin: 0 auto; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    .path { word-break: break-all; font-family: ui-monospace, monospace; font-size: 13px; }
    form.pick, form.filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; margin: .8rem 0; }
    label { display: inline-flex; flex-direction: column; gap: .2rem; }
    input, select, button { font: inherit; padding: .3rem .5rem; }
    button { cursor: pointer; }
    :focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
    ol.pairs { list-style: none; padding: 0; margin: 0; }
    li.pair { display: grid; grid-template-columns: 1fr 1fr minmax(12rem, 16rem); gap: .8rem; padding: .8rem;
              border: 1px solid var(--line); border-radius: 6px; margin: .6rem 0; }
    li.pair.current { border-color: var(--accent); box-shadow: 0 0 0 2px var(--accent); }
    li.pair[data-decision="same"] .review { color: #1a7f37; font-weight: bold; }
    li.pair[data-decision="different"] .review { color: #cf222e; font-weight: bold; }
    figure { margin: 0; min-width: 0; }
    figure img { width: 100%; height: auto; max-height: 256px; object-fit: contain; background: #8882; }
    .no-picture { display: grid; place-items: center; aspect-ratio: 1; max-height: 256px; background: #8882; font-size: 13px; }
    figcaption { word-break: break-all; font-size: 13px; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: .2rem .6rem; margin: 0; align-content: start; }
    dt { font-weight: bold; } dd { margin: 0; }
    .actions { grid-column: 3; display: flex; gap: .4rem; flex-wrap: wrap; }
    .note { padding: .5rem .8rem; border-left: 4px solid #bf8700; background: #bf870018; }
    nav.pages { display: flex; gap: 1rem; margin: 1rem 0; }
    form.hash-search { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; margin: .8rem 0; }
    .drop { border: 2px dashed var(--line); border-radius: 8px; padding: 1.5rem; text-align: center; }
    .drop.over { border-color: var(--accent); }
    ol.matches { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: .8rem; }
    ol.matches li { border: 1px solid var(--line); border-radius: 6px; padding: .5rem; word-break: break-all; }
    ol.matches img { width: 100%; height: auto; }
    @media (max-width: 700px) {
      table.datasets { display: block; overflow-x: auto; }
      header nav { flex-wrap: wrap; }
      li.pair { grid-template-columns: 1fr 1fr; }
      li.pair dl, .actions { grid-column: 1 / -1; }
    }

    """

    static let js = """
    "use strict";
    // crosshash curators' pages: scans on the datasets page, reviews on the gallery, search by picture.
    (function () {
      const page = document.body.dataset.page;
      const status = (text) => { const s = document.querySelector(".status"); if (s) s.textContent = text; };
      // A file key as one path segment: every byte but unreserved ones as %XX (so "/" is %2F).
      const segment = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
      const thumb = (dataset, file) => "/v1/datasets/" + segment(dataset) + "/images/" + segment(file) + "/thumbnail";

      if (page === "datasets") {
        document.querySelectorAll("button.scan").forEach((button) => {
          button.addEventListener("click", async () => {
            const out = button.parentElement.querySelector("output");
            button.disabled = true;
            try {
              const r = await fetch("/v1/datasets/" + segment(button.dataset.dataset) + "/scan", { method: "POST" });
              const body = await r.json();
              if (!r.ok) throw new Error(body.detail || r.statusText);
              for (;;) {
                const j = await (await fetch("/v1/jobs/" + encodeURIComponent(body.job))).json();
                out.textContent = j.state + (j.total ? " " + j.done + "/" + j.total : "") + (j.error ? ": " + j.error : "");
                // Done: the page again, with the new counts and the last scan.
                if (j.state === "done") { setTimeout(() => location.reload(), 600); break; }
                if (j.state === "failed") break;
                await new Promise((done) => setTimeout(done, 400));
              }
            } catch (e) {
              out.textContent = "scan refused: " + e.message;
            }
            button.disabled = false;
          });
        });
      }

      if (page === "pairs") {
        const pairs = Array.from(document.querySelectorAll("li.pair"));
        const undo = [];
        let current = -1;
        const select = (i) => {
          if (!pairs.length) return;
          current = Math.max(0, Math.min(pairs.length - 1, i));
          pairs.forEach((p, k) => p.classList.toggle("current", k === current));
          pairs[current].focus();
        };
        const show = (li, decision) => {
          li.dataset.decision = decision || "";
          li.querySelector(".review").textContent = decision || "none";
        };
        // PUT /v1/reviews with the pair's two references as the server wrote them (JSON text:
        // file names that are not UTF-8 keep their escapes).
        const put = async (li, decision) => {
          const body = '{"a":' + li.dataset.a + ',"b":' + li.dataset.b + ',"decision":"' + decision + '"}';
          const r = await fetch("/v1/reviews", { method: "PUT", headers: { "Content-Type": "application/json" }, body });
          const answer = await r.json();
          if (!r.ok) throw new Error(answer.detail || r.statusText);
          return answer;
        };
        const decide = async (li, decision) => {
          const before = li.dataset.decision || "";
          try {
            const answer = await put(li, decision);
            undo.push({ li, before, id: answer.id });
            show(li, decision);
            status("marked " + decision + " (z to undo)");
          } catch (e) { status("not saved: " + e.message); }
        };
        const undoLast = async () => {
          const last = undo.pop();
          if (!last) { status("nothing to undo"); return; }
          try {
            if (last.before) { await put(last.li, last.before); }
            else {
              const r = await fetch("/v1/reviews/" + last.id, { method: "DELETE" });
              if (!r.ok && r.status !== 404) throw new Error(r.statusText);
            }
            show(last.li, last.before);
            select(pairs.indexOf(last.li));
            status("undone");
          } catch (e) { undo.push(last); status("undo failed: " + e.message); }
        };
        pairs.forEach((li, i) => {
          li.addEventListener("focus", () => { current = i; pairs.forEach((p, k) => p.classList.toggle("current", k === i)); });
          li.querySelectorAll("button[data-decision]").forEach((b) => b.addEventListener("click", () => decide(li, b.dataset.decision)));
        });
        document.addEventListener("keydown", (e) => {
          if (e.ctrlKey || e.metaKey || e.altKey) return;
          const t = e.target;
          if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
          const keys = { s: "same", d: "different", u: "unsure" };
          if (e.key === "j") { select(current + 1); e.preventDefault(); }
          else if (e.key === "k") { select(current - 1); e.preventDefault(); }
          else if (keys[e.key]) {
            if (current < 0) select(0);
            if (current >= 0) decide(pairs[current], keys[e.key]);
            e.preventDefault();
          } else if (e.key === "z") { undoLast(); e.preventDefault(); }
        });
      }

      if (page === "search") {
        const input = document.getElementById("picture");
        const list = document.querySelector("ol.matches");
        const drop = document.querySelector(".drop");
        // One query, a picture (multipart, hashed by the server) or a pasted hash (JSON).
        const search = async (label, request) => {
          list.textContent = "";
          status("searching " + label + "...");
          try {
            const r = await fetch(request.url, { method: "POST", headers: request.headers || {}, body: request.body });
            const answer = await r.json();
            if (!r.ok) throw new Error(answer.detail || r.statusText);
            const result = answer.results[0];
            if (result.error) throw new Error(result.error);
            status(result.matches.length + " matches for " + label + (result.truncated ? " (more were cut)" : ""));
            for (const m of result.matches) {
              const li = document.createElement("li");
              const img = document.createElement("img");
              img.alt = m.dataset + ": " + m.file;
              try { img.src = thumb(m.dataset, m.file); } catch (_) { /* a name that is not UTF-8: no thumbnail */ }
              const name = document.createElement("p");
              name.textContent = m.dataset + ": " + m.file;
              name.className = "match-name";
              const d = document.createElement("p");
              d.textContent = Object.entries(m.distances).map(([f, n]) => f + " " + n).join(", ");
              li.append(img, name, d);
              list.append(li);
            }
          } catch (e) { status("search failed: " + e.message); }
        };
        const searchFile = (file) => {
          const form = new FormData();
          form.append("file", file, file.name);
          search(file.name, { url: "/v1/query/upload", body: form });
        };
        document.querySelector("form.hash-search").addEventListener("submit", (e) => {
          e.preventDefault();
          const hash = document.getElementById("hash").value.trim();
          const query = {};
          query[document.getElementById("hash-family").value] = hash;
          search(hash, { url: "/v1/query", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ queries: [query] }) });
        });
        input.addEventListener("change", () => { if (input.files.length) searchFile(input.files[0]); });
        drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
        drop.addEventListener("dragleave", () => drop.classList.remove("over"));
        drop.addEventListener("drop", (e) => {
          e.preventDefault();
          drop.classList.remove("over");
          if (e.dataTransfer.files.length) searchFile(e.dataTransfer.files[0]);
        });
      }
    })();

    """
}
