import Foundation

/// The histogram of nearest cross-dataset distances for one hash, threshold marked.
///
/// Heights use a log scale: copies are a few percent of a collection, and on a linear axis
/// their bars near zero would vanish beside the hump of unrelated pictures.
struct HistogramChart {
    var title: String
    var stats: NearestDistances

    static let width = 1000
    static let height = 520

    func render(png: String, svg: String) throws {
        try Figure.render(width: Self.width, height: Self.height, png: png, svg: svg, draw: draw)
    }

    private func draw(_ canvas: Canvas) {
        canvas.text(title, x: 24, y: 36, size: 20, bold: true)
        for (k, line) in canvas.wrap(stats.verdict, maxWidth: canvas.width - 48, size: 13).prefix(2).enumerated() {
            canvas.text(line, x: 24, y: 60 + Double(k) * 18, size: 13, color: stats.thresholdInGap ? Color(hex: 0x2a7a2a) : .accent)
        }
        let left = 80.0, right = canvas.width - 30, top = 110.0, bottom = canvas.height - 70
        guard stats.total > 0 else {
            canvas.text("No cross-dataset distances (a single dataset).", x: (left + right) / 2, y: (top + bottom) / 2,
                        size: 16, align: .center, color: .muted)
            return
        }
        let bars = stats.bars
        let bins = bars.count
        let binW = (right - left) / Double(bins)
        let maxCount = bars.map(\.count).max() ?? 1
        let logMax = log10(1 + Double(maxCount))
        func yOf(_ count: Double) -> Double { bottom - (bottom - top) * log10(1 + count) / logMax }

        // Grid and y ticks at 1, 10, 100, ...
        var tick = 1.0
        while tick <= Double(maxCount) {
            let y = yOf(tick)
            canvas.line(left, y, right, y, color: .grid)
            canvas.text(Text.count(Int(tick)), x: left - 8, y: y + 4, size: 11, align: .right, color: .muted)
            tick *= 10
        }
        canvas.text("0", x: left - 8, y: bottom + 4, size: 11, align: .right, color: .muted)

        for (d, count) in bars.map(\.count).enumerated() where count > 0 {
            let x = left + Double(d) * binW
            let y = yOf(Double(count))
            let color = d <= stats.threshold ? Color.dataset(0) : Color(hex: 0x9a9a9a)
            canvas.fillRect(x: x + binW * 0.1, y: y, w: max(1, binW * 0.8), h: bottom - y, color: color)
        }
        canvas.line(left, bottom, right, bottom, color: .text)

        // x ticks: 8 intervals across the hash length.
        let tickStep = max(1, (bins - 1) / 8)
        // Every tickStep-th distance, and the "farther" bar (when there is one) always.
        var ticks = Array(stride(from: 0, to: bins, by: tickStep))
        if stats.radius != nil, ticks.last != bins - 1 {
            if let last = ticks.last, bins - 1 - last < max(1, tickStep / 2) { ticks.removeLast() }
            ticks.append(bins - 1)
        }
        for d in ticks {
            let x = left + (Double(d) + 0.5) * binW
            canvas.line(x, bottom, x, bottom + 5, color: .text)
            canvas.text(bars[d].label, x: x, y: bottom + 19, size: 11, align: .center, color: .muted)
        }
        canvas.text("Hamming distance to the nearest image in another dataset (bits of \(stats.bits))",
                    x: (left + right) / 2, y: canvas.height - 22, size: 13, align: .center, color: .muted)
        canvas.verticalText("images (log scale)", x: 22, y: (top + bottom) / 2)

        // The threshold sits between its own bin (a match) and the next (no match).
        let tx = left + Double(min(stats.threshold + 1, bins)) * binW
        canvas.line(tx, top - 6, tx, bottom, color: .accent, width: 2, dash: [6, 4])
        let label = "threshold \(stats.threshold): \(Text.plural(stats.matched, "image")) matched"
        let labelW = canvas.textWidth(label, size: 13, bold: true)
        let onRight = tx + 8 + labelW < right
        canvas.fillRect(x: onRight ? tx + 4 : tx - 8 - labelW, y: top - 4, w: labelW + 6, h: 20, color: .white, alpha: 0.85)
        canvas.text(label, x: onRight ? tx + 7 : tx - 5, y: top + 11, size: 13, bold: true, align: onRight ? .left : .right, color: .accent)
    }
}
