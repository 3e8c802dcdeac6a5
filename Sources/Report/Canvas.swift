import Analysis
import CCairo
import Foundation
import JSONFiles

/// A colour with components in 0...1.
struct Color: Sendable {
    var r: Double, g: Double, b: Double

    init(_ r: Double, _ g: Double, _ b: Double) {
        self.r = r
        self.g = g
        self.b = b
    }

    init(hex: UInt32) {
        self.init(Double((hex >> 16) & 255) / 255, Double((hex >> 8) & 255) / 255, Double(hex & 255) / 255)
    }

    static let black = Color(0, 0, 0)
    static let white = Color(1, 1, 1)
    static let text = Color(hex: 0x222222)
    static let muted = Color(hex: 0x666666)
    static let grid = Color(hex: 0xdddddd)
    static let accent = Color(hex: 0xd62728)
    /// One colour per dataset (matplotlib's tab10, which readers of the seed analysis know).
    static let datasets: [Color] = [0x1f77b4, 0xff7f0e, 0x2ca02c, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf]
        .map { Color(hex: $0) }
    static func dataset(_ i: Int) -> Color { datasets[((i % datasets.count) + datasets.count) % datasets.count] }
}

enum TextAlign { case left, center, right }

/// A thin layer over a cairo context: the drawing vocabulary the charts need.
final class Canvas {
    let cr: OpaquePointer
    let width: Double
    let height: Double
    static let fontFamily = "DejaVu Sans"

    init(cr: OpaquePointer, width: Double, height: Double) {
        self.cr = cr
        self.width = width
        self.height = height
    }

    func setColor(_ c: Color, alpha: Double = 1) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha) }

    func fillBackground(_ c: Color = .white) {
        setColor(c)
        cairo_paint(cr)
    }

    func fillRect(x: Double, y: Double, w: Double, h: Double, color: Color, alpha: Double = 1) {
        setColor(color, alpha: alpha)
        cairo_rectangle(cr, x, y, w, h)
        cairo_fill(cr)
    }

    func strokeRect(x: Double, y: Double, w: Double, h: Double, color: Color, lineWidth: Double = 1) {
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        cairo_rectangle(cr, x, y, w, h)
        cairo_stroke(cr)
    }

    func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, color: Color, width: Double = 1, dash: [Double] = []) {
        setColor(color)
        cairo_set_line_width(cr, width)
        dash.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32($0.count), 0) }
        cairo_move_to(cr, x0, y0)
        cairo_line_to(cr, x1, y1)
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    func polyline(_ points: [(Double, Double)], color: Color, width: Double = 2) {
        guard let first = points.first else { return }
        setColor(color)
        cairo_set_line_width(cr, width)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_move_to(cr, first.0, first.1)
        for p in points.dropFirst() { cairo_line_to(cr, p.0, p.1) }
        cairo_stroke(cr)
    }

    func circle(x: Double, y: Double, r: Double, fill: Color?, fillAlpha: Double = 1, stroke: Color? = nil, lineWidth: Double = 2) {
        cairo_new_path(cr)
        cairo_arc(cr, x, y, r, 0, 2 * Double.pi)
        if let fill {
            setColor(fill, alpha: fillAlpha)
            if stroke != nil { cairo_fill_preserve(cr) } else { cairo_fill(cr) }
        }
        if let stroke {
            setColor(stroke)
            cairo_set_line_width(cr, lineWidth)
            cairo_stroke(cr)
        }
        cairo_new_path(cr)
    }

    private func selectFont(size: Double, bold: Bool) {
        cairo_select_font_face(cr, Canvas.fontFamily, CAIRO_FONT_SLANT_NORMAL,
                               bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
    }

    func textWidth(_ s: String, size: Double, bold: Bool = false) -> Double {
        selectFont(size: size, bold: bold)
        var ext = cairo_text_extents_t()
        cairo_text_extents(cr, s, &ext)
        return ext.x_advance
    }

    /// Draws one line of text with its baseline at y.
    func text(_ s: String, x: Double, y: Double, size: Double = 14, bold: Bool = false,
              align: TextAlign = .left, color: Color = .text) {
        let w = textWidth(s, size: size, bold: bold)
        let x0: Double
        switch align {
        case .left: x0 = x
        case .center: x0 = x - w / 2
        case .right: x0 = x - w
        }
        setColor(color)
        cairo_move_to(cr, x0, y)
        cairo_show_text(cr, s)
        cairo_new_path(cr)
    }

    /// Text rotated 90° counter-clockwise, centred on (x, y): a vertical axis label.
    func verticalText(_ s: String, x: Double, y: Double, size: Double = 13, color: Color = .muted) {
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_rotate(cr, -Double.pi / 2)
        text(s, x: 0, y: 0, size: size, align: .center, color: color)
        cairo_restore(cr)
    }

    /// Breaks text into lines at spaces so each fits `maxWidth` (a single over-long word is
    /// shortened with an ellipsis).
    func wrap(_ s: String, maxWidth: Double, size: Double, bold: Bool = false) -> [String] {
        var lines = [String]()
        var current = ""
        for word in s.split(separator: " ") {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if current.isEmpty || textWidth(candidate, size: size, bold: bold) <= maxWidth {
                current = candidate
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.map { fit($0, maxWidth: maxWidth, size: size, bold: bold) }
    }

    /// Shortens text with an ellipsis until it fits `maxWidth`.
    func fit(_ s: String, maxWidth: Double, size: Double, bold: Bool = false) -> String {
        if textWidth(s, size: size, bold: bold) <= maxWidth { return s }
        var chars = Array(s)
        while !chars.isEmpty {
            chars.removeLast()
            let candidate = String(chars) + "…"
            if textWidth(candidate, size: size, bold: bold) <= maxWidth { return candidate }
        }
        return "…"
    }
}

/// Renders one drawing into a PNG and an SVG of the same size, so both files always agree.
enum Figure {
    static func render(width: Int, height: Int, png: String, svg: String, draw: (Canvas) -> Void) throws {
        try renderPNG(width: width, height: height, path: png, draw: draw)
        try renderSVG(width: width, height: height, path: svg, draw: draw)
    }

    static func renderPNG(width: Int, height: Int, path: String, draw: (Canvas) -> Void) throws {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)) else {
            throw ReportError.drawing(path: path, reason: "cairo could not create an image surface")
        }
        defer { cairo_surface_destroy(surface) }
        try drawOn(surface, width: width, height: height, path: path, draw: draw)
        // Written beside the target and renamed, so an interrupted run leaves no half PNG.
        let temporary = path + ".tmp-\(getpid())"
        let status = cairo_surface_write_to_png(surface, temporary)
        guard status == CAIRO_STATUS_SUCCESS, rename(temporary, path) == 0 else {
            unlink(temporary)
            let reason = status == CAIRO_STATUS_SUCCESS ? String(cString: strerror(errno)) : String(cString: cairo_status_to_string(status))
            throw ReportError.cannotWrite(path: path, reason: reason)
        }
    }

    static func renderSVG(width: Int, height: Int, path: String, draw: (Canvas) -> Void) throws {
        guard let surface = cairo_svg_surface_create(path, Double(width), Double(height)) else {
            throw ReportError.drawing(path: path, reason: "cairo could not create an SVG surface")
        }
        defer { cairo_surface_destroy(surface) }
        // Pixels, not cairo's default points, so the SVG shows at the PNG's size.
        cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX)
        try drawOn(surface, width: width, height: height, path: path, draw: draw)
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw ReportError.cannotWrite(path: path, reason: String(cString: cairo_status_to_string(status)))
        }
        try renumberSurfaceIDs(path)
    }

    /// cairo names SVG groups after a process-wide surface counter ("surface238"), so the same
    /// drawing would differ between runs; numbering them by first appearance makes it stable.
    static func renumberSurfaceIDs(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError.cannotRead(path: path, reason: "the SVG cairo wrote is missing")
        }
        let bytes = [UInt8](data)
        let word = Array("surface".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var numbers = [[UInt8]: Int]()
        var i = 0
        while i < bytes.count {
            if bytes[i] == word[0], i + word.count < bytes.count, Array(bytes[i..<(i + word.count)]) == word {
                var j = i + word.count
                while j < bytes.count && bytes[j] >= 48 && bytes[j] <= 57 { j += 1 }
                if j > i + word.count {
                    let digits = Array(bytes[(i + word.count)..<j])
                    let n = numbers[digits] ?? numbers.count + 1
                    numbers[digits] = n
                    out += word + Array(String(n).utf8)
                    i = j
                    continue
                }
            }
            out.append(bytes[i])
            i += 1
        }
        try AtomicFile.write(out, to: path)
    }

    private static func drawOn(_ surface: OpaquePointer, width: Int, height: Int, path: String, draw: (Canvas) -> Void) throws {
        guard let cr = cairo_create(surface) else {
            throw ReportError.drawing(path: path, reason: "cairo could not create a drawing context")
        }
        defer { cairo_destroy(cr) }
        let canvas = Canvas(cr: cr, width: Double(width), height: Double(height))
        canvas.fillBackground()
        draw(canvas)
        let status = cairo_status(cr)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw ReportError.drawing(path: path, reason: String(cString: cairo_status_to_string(status)))
        }
    }

    /// Draws into memory and returns RGB bytes (for thumbnails' placeholder pictures).
    static func renderRGB(width: Int, height: Int, draw: (Canvas) -> Void) -> [UInt8]? {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)) else { return nil }
        defer { cairo_surface_destroy(surface) }
        guard let cr = cairo_create(surface) else { return nil }
        let canvas = Canvas(cr: cr, width: Double(width), height: Double(height))
        canvas.fillBackground()
        draw(canvas)
        cairo_destroy(cr)
        cairo_surface_flush(surface)
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS,
              let data = cairo_image_surface_get_data(surface) else { return nil }
        let stride = Int(cairo_image_surface_get_stride(surface))
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                // RGB24 is a native-endian 32-bit word 0x00RRGGBB.
                let word = data.advanced(by: y * stride + x * 4).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee }
                let o = (y * width + x) * 3
                rgb[o] = UInt8(truncatingIfNeeded: word >> 16)
                rgb[o + 1] = UInt8(truncatingIfNeeded: word >> 8)
                rgb[o + 2] = UInt8(truncatingIfNeeded: word)
            }
        }
        return rgb
    }
}
