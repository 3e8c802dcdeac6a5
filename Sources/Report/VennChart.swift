import Analysis
import Foundation

/// The overlap figure of one hash: an area-proportional Venn diagram for 1-3 datasets, an
/// UpSet-style bar chart for more (circles cannot show every combination of four sets).
struct VennChart {
    var title: String
    var names: [String]
    var overlap: DatasetOverlap

    static let width = 1000
    static let height = 720

    var size: (width: Int, height: Int) {
        if names.count <= 3 { return (Self.width, Self.height) }
        let combos = min(overlap.nonEmptyCombinations.count, Self.maxCombinations)
        return (max(Self.width, 300 + combos * 34 + 40), 420 + names.count * 28 + 60)
    }

    func render(png: String, svg: String) throws {
        let s = size
        try Figure.render(width: s.width, height: s.height, png: png, svg: svg) { canvas in
            canvas.text(title, x: 24, y: 36, size: 20, bold: true)
            if names.count <= 3 { drawVenn(canvas) } else { drawUpSet(canvas) }
        }
    }

    // MARK: Venn

    /// Circles in pixels: the diagram-unit layout scaled into the free middle of the canvas.
    func pixelCircles(in canvas: Canvas) -> [VennCircle] {
        let circles = VennGeometry.layout(sizes: overlap.sizes, overlaps: overlap.pairwiseOverlaps)
        guard !circles.isEmpty else { return [] }
        let minX = circles.map { $0.x - $0.r }.min() ?? 0, maxX = circles.map { $0.x + $0.r }.max() ?? 0
        let minY = circles.map { $0.y - $0.r }.min() ?? 0, maxY = circles.map { $0.y + $0.r }.max() ?? 0
        // Room for the dataset labels beside the circles and the notes below.
        let left = 230.0, right = canvas.width - 230, top = 110.0, bottom = canvas.height - 90
        let spanX = maxX - minX, spanY = maxY - minY
        guard spanX > 0, spanY > 0 else { return [] }
        let scale = min((right - left) / spanX, (bottom - top) / spanY)
        let offX = (left + right) / 2 - scale * (minX + maxX) / 2
        let offY = (top + bottom) / 2 - scale * (minY + maxY) / 2
        return circles.map { VennCircle(x: offX + scale * $0.x, y: offY + scale * $0.y, r: scale * $0.r) }
    }

    private func drawVenn(_ canvas: Canvas) {
        let circles = pixelCircles(in: canvas)
        guard circles.count == names.count else {
            canvas.text("No images were hashed.", x: canvas.width / 2, y: canvas.height / 2, size: 18, align: .center, color: .muted)
            return
        }
        for (i, c) in circles.enumerated() where c.r > 0 {
            canvas.circle(x: c.x, y: c.y, r: c.r, fill: Color.dataset(i), fillAlpha: 0.28)
        }
        for (i, c) in circles.enumerated() where c.r > 0 {
            canvas.circle(x: c.x, y: c.y, r: c.r, fill: nil, stroke: Color.dataset(i), lineWidth: 2)
        }
        var undrawable = [String]()
        let spots = VennLabelSpots.find(circles: circles, width: canvas.width, height: canvas.height)
        for mask in 1..<(1 << names.count) {
            let count = overlap.count(exactly: mask)
            guard let spot = spots[mask] else {
                if count > 0 { undrawable.append("\(regionName(mask)): \(Text.count(count))") }
                continue
            }
            let label = Text.count(count)
            let size = 18.0
            let w = canvas.textWidth(label, size: size, bold: true)
            // A region too thin for its number gets a white plate so the number stays legible.
            if spot.depth < max(w / 2, size / 2) + 2 {
                canvas.fillRect(x: spot.x - w / 2 - 4, y: spot.y - size / 2 - 4, w: w + 8, h: size + 8, color: .white, alpha: 0.85)
            }
            canvas.text(label, x: spot.x, y: spot.y + size * 0.36, size: size, bold: true, align: .center)
        }
        drawDatasetLabels(canvas, circles)
        var notes = ["Circle area is proportional to the images hashed. Numbers in overlaps: groups of matching images spanning exactly",
                     "those datasets; numbers elsewhere: images with no match in another dataset."]
        if !undrawable.isEmpty {
            notes.append("No room for a region at these proportions (groups): " + undrawable.joined(separator: ", ") + ".")
        }
        for (k, note) in notes.enumerated() {
            canvas.text(canvas.fit(note, maxWidth: canvas.width - 48, size: 12), x: 24, y: canvas.height - 54 + Double(k) * 17,
                        size: 12, color: k == 2 ? .accent : .muted)
        }
    }

    private func regionName(_ mask: Int) -> String {
        names.indices.filter { mask & (1 << $0) != 0 }.map { names[$0] }.joined(separator: " ∩ ")
    }

    private func drawDatasetLabels(_ canvas: Canvas, _ circles: [VennCircle]) {
        let cx = circles.map(\.x).reduce(0, +) / Double(circles.count)
        let cy = circles.map(\.y).reduce(0, +) / Double(circles.count)
        let defaults: [(Double, Double)] = circles.count == 1 ? [(0, -1)] : [(-1, 0), (1, 0), (0, 1)]
        for (i, c) in circles.enumerated() {
            var dx = c.x - cx, dy = c.y - cy
            let len = (dx * dx + dy * dy).squareRoot()
            if len < 1e-6 { (dx, dy) = defaults[min(i, defaults.count - 1)] } else { dx /= len; dy /= len }
            let name = canvas.fit(names[i], maxWidth: 210, size: 17, bold: true)
            let sub = Text.plural(overlap.sizes[i], "image")
            let px = c.x + dx * (c.r + 12), py = c.y + dy * (c.r + 12)
            let align: TextAlign = dx > 0.35 ? .left : (dx < -0.35 ? .right : .center)
            // The two-line block (about 40 px tall) sits away from the circle.
            var top = dy > 0.35 ? py : (dy < -0.35 ? py - 40 : py - 20)
            top = min(max(top, 50), canvas.height - 100)
            let w = max(canvas.textWidth(name, size: 17, bold: true), canvas.textWidth(sub, size: 14))
            var x = px
            switch align {
            case .left: x = min(x, canvas.width - 8 - w)
            case .right: x = max(x, 8 + w)
            case .center: x = min(max(x, 8 + w / 2), canvas.width - 8 - w / 2)
            }
            canvas.text(name, x: x, y: top + 16, size: 17, bold: true, align: align, color: Color.dataset(i))
            canvas.text(sub, x: x, y: top + 36, size: 14, align: align, color: .muted)
        }
    }

    // MARK: UpSet

    static let maxCombinations = 60

    private func drawUpSet(_ canvas: Canvas) {
        let combos = Array(overlap.nonEmptyCombinations.prefix(Self.maxCombinations))
        let left = 300.0, barTop = 80.0, barBottom = 380.0, step = 34.0
        let rowTop = barBottom + 30
        canvas.text("Groups of matching images per combination of datasets (bars); dots show the datasets of each combination.",
                    x: 24, y: 60, size: 12, color: .muted)
        for (i, name) in names.enumerated() {
            let y = rowTop + Double(i) * 28
            let label = canvas.fit(name, maxWidth: 170, size: 14, bold: true) 
            canvas.text(label, x: 24, y: y + 5, size: 14, bold: true, color: Color.dataset(i))
            canvas.text(Text.plural(overlap.sizes[i], "image"), x: left - 16, y: y + 5, size: 12, align: .right, color: .muted)
            if i % 2 == 0 {
                canvas.fillRect(x: left - 8, y: y - 14, w: Double(combos.count) * step + 8, h: 28, color: Color(hex: 0xf3f3f3))
            }
        }
        guard let maxCount = combos.first?.count, maxCount > 0 else {
            canvas.text("No group spans two or more datasets.", x: left, y: (barTop + barBottom) / 2, size: 16, color: .muted)
            return
        }
        for (k, combo) in combos.enumerated() {
            let x = left + Double(k) * step + step / 2
            let h = (barBottom - barTop - 20) * Double(combo.count) / Double(maxCount)
            canvas.fillRect(x: x - 11, y: barBottom - h, w: 22, h: h, color: Color(hex: 0x444444))
            canvas.text(Text.count(combo.count), x: x, y: barBottom - h - 6, size: 11, align: .center)
            let members = names.indices.filter { combo.mask & (1 << $0) != 0 }
            if let first = members.first, let last = members.last, first != last {
                canvas.line(x, rowTop + Double(first) * 28, x, rowTop + Double(last) * 28, color: Color(hex: 0x444444), width: 3)
            }
            for i in names.indices {
                let inside = combo.mask & (1 << i) != 0
                canvas.circle(x: x, y: rowTop + Double(i) * 28, r: 7, fill: inside ? Color(hex: 0x444444) : Color(hex: 0xcccccc))
            }
        }
        canvas.line(left - 8, barBottom, left + Double(combos.count) * step, barBottom, color: .muted)
        let hidden = overlap.nonEmptyCombinations.count - combos.count
        if hidden > 0 {
            canvas.text("\(Text.plural(hidden, "smaller combination")) not shown.", x: 24, y: canvas.height - 20, size: 12, color: .accent)
        }
    }
}

/// Where to write each region's number: the sampled point deepest inside the region (farthest
/// from every circle's edge), found on a pixel grid. Regions the grid never hits are absent.
enum VennLabelSpots {
    struct Spot: Equatable {
        var x: Double, y: Double
        /// Distance in pixels to the nearest circle edge.
        var depth: Double
    }

    static func find(circles: [VennCircle], width: Double, height: Double, step: Double = 2) -> [Int: Spot] {
        var best = [Int: Spot]()
        let minX = max(0, (circles.map { $0.x - $0.r }.min() ?? 0).rounded(.down))
        let maxX = min(width, (circles.map { $0.x + $0.r }.max() ?? 0).rounded(.up))
        let minY = max(0, (circles.map { $0.y - $0.r }.min() ?? 0).rounded(.down))
        let maxY = min(height, (circles.map { $0.y + $0.r }.max() ?? 0).rounded(.up))
        var y = minY
        while y <= maxY {
            var x = minX
            while x <= maxX {
                var mask = 0
                var depth = Double.infinity
                for (i, c) in circles.enumerated() {
                    let d = ((x - c.x) * (x - c.x) + (y - c.y) * (y - c.y)).squareRoot()
                    if d < c.r { mask |= 1 << i }
                    depth = min(depth, abs(d - c.r))
                }
                if mask != 0, best[mask].map({ depth > $0.depth }) ?? true {
                    best[mask] = Spot(x: x, y: y, depth: depth)
                }
                x += step
            }
            y += step
        }
        return best
    }
}
