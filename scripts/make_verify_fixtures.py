#!/usr/bin/env python3
"""Generate the verification fixtures under Tests/Fixtures/verification/.

    python3 scripts/make_verify_fixtures.py [--out Tests/Fixtures/verification]

Two classes the 128-px luma signature cannot judge alone (issue 19):
  dialog_*    one application window with other content: the same dialog with other values, in
              another language (German, Russian), on another page. Each must be rejected against
              dialog_en.png; dialog_en_copy.jpg (the same screenshot, resized and re-encoded) must verify.
  lines_*     thin line art (1-2 px strokes) on a dark ground and an engraving (dark hatching on
              paper): lines*.png is the original; _q80 re-encoded, _resized to 70%, _crop3 cropped
              3% per side, _shift shifted by half a pixel. Each must verify against the original.
  map*        a map's streets under a pixel wide: map_resized_crop.jpg (resized and cropped) and
              map_shift_resized.jpg (shifted by half a pixel, resized) must verify against map.png.
Deterministic (fixed seeds, DejaVu fonts); needs Pillow with FreeType and the DejaVu fonts
(Debian: fonts-dejavu-core).
"""
import argparse
import math
import os
import random

from PIL import Image, ImageDraw, ImageFont

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FONTS = "/usr/share/fonts/truetype/dejavu"


def font(size, bold=False):
    return ImageFont.truetype(os.path.join(FONTS, "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"), size)


# ----------------------------------------------------------------------------------------------
# Dialogs: one window, other content
# ----------------------------------------------------------------------------------------------

PAGES = {
    "en": ("Export settings - Step 2 of 4", [("File name", "holiday_2019.tif"), ("Width", "1920 px"),
            ("Height", "1080 px"), ("Quality", "85 %"), ("Colour space", "sRGB")],
           "Keep the original metadata", ("< Back", "Next >", "Cancel")),
    "en_values": ("Export settings - Step 2 of 4", [("File name", "scan_0042_final.png"), ("Width", "640 px"),
                   ("Height", "3508 px"), ("Quality", "60 %"), ("Colour space", "Adobe RGB")],
                  "Keep the original metadata", ("< Back", "Next >", "Cancel")),
    "de": ("Exporteinstellungen - Schritt 2 von 4", [("Dateiname", "urlaub_2021.jpg"), ("Breite", "2480 px"),
            ("Höhe", "768 px"), ("Qualität", "92 %"), ("Farbraum", "Graustufen")],
           "Ursprüngliche Metadaten behalten", ("< Zurück", "Weiter >", "Abbrechen")),
    "ru": ("Параметры экспорта - Шаг 2 из 4", [("Имя файла", "otpusk_2020.png"), ("Ширина", "1280 px"),
            ("Высота", "1024 px"), ("Качество", "75 %"), ("Цвет", "sRGB")],
           "Сохранить метаданные", ("< Назад", "Далее >", "Отмена")),
    "en_page3": ("Export settings - Step 3 of 4", [("Destination", "/home/anna/Pictures"), ("Overwrite", "Ask first"),
                  ("Sub-folders", "By date"), ("Naming", "Original"), ("After export", "Open folder")],
                 "Send a notification when done", ("< Back", "Next >", "Cancel")),
}


def dialog(page):
    title, rows, check, buttons = PAGES[page]
    w, h = 640, 420
    im = Image.new("RGB", (w, h), (236, 236, 236))
    d = ImageDraw.Draw(im)
    d.rectangle([0, 0, w - 1, 30], fill=(52, 101, 164))
    d.text((12, 7), title, font=font(14, bold=True), fill=(255, 255, 255))
    d.rectangle([w - 28, 6, w - 10, 24], outline=(255, 255, 255))
    # A side bar of the wizard's steps, the current one highlighted.
    step = 3 if "Step 3" in title else 2
    for i in range(4):
        y = 50 + 36 * i
        if i + 1 == step:
            d.rectangle([10, y - 4, 150, y + 22], fill=(200, 215, 235))
        d.ellipse([16, y, 34, y + 18], outline=(60, 60, 60), width=2)
        d.text((21, y + 1), str(i + 1), font=font(12), fill=(30, 30, 30))
        d.text((42, y + 1), ["Source", "Settings", "Output", "Finish"][i], font=font(13), fill=(30, 30, 30))
    d.line([165, 40, 165, h - 60], fill=(180, 180, 180), width=1)
    for i, (label, value) in enumerate(rows):
        y = 52 + 42 * i
        d.text((182, y + 4), label, font=font(13), fill=(20, 20, 20))
        d.rectangle([330, y, 610, y + 26], fill=(255, 255, 255), outline=(150, 150, 150))
        d.text((338, y + 5), value, font=font(13), fill=(10, 10, 10))
    y = 52 + 42 * len(rows) + 4
    d.rectangle([182, y, 198, y + 16], fill=(255, 255, 255), outline=(90, 90, 90))
    d.line([185, y + 8, 189, y + 13, 196, y + 3], fill=(20, 20, 20), width=2)
    d.text((206, y), check, font=font(13), fill=(20, 20, 20))
    d.line([0, h - 50, w, h - 50], fill=(190, 190, 190))
    for i, b in enumerate(buttons):
        x = 330 + 100 * i
        d.rectangle([x, h - 40, x + 90, h - 12], fill=(250, 250, 250), outline=(120, 120, 120))
        d.text((x + 10, h - 34), b, font=font(13), fill=(20, 20, 20))
    return im


# ----------------------------------------------------------------------------------------------
# Line art: thin strokes, drawn 4x larger and area-reduced (anti-aliased), optionally shifted
# ----------------------------------------------------------------------------------------------

SS = 4


def line_drawing(shift=0.0, seed=5, w=640, h=480):
    """Light 1-2 px strokes on a dark ground: curves, a grid of streets, a few circles."""
    rng = random.Random(seed)
    big = Image.new("L", (w * SS, h * SS), 18)
    d = ImageDraw.Draw(big)
    o = shift * SS

    def p(x, y):
        return (x * SS + o, y * SS + o)

    for _ in range(14):  # smooth curves (a diagram's or a map's lines)
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        a, f, amp = rng.uniform(0, math.pi), rng.uniform(0.01, 0.04), rng.uniform(10, 60)
        pts = []
        for t in range(0, 700, 4):
            pts.append(p(x0 + t * math.cos(a) - amp * math.sin(f * t) * math.sin(a),
                         y0 + t * math.sin(a) + amp * math.sin(f * t) * math.cos(a)))
        d.line(pts, fill=235, width=rng.choice([SS, SS + 2, 2 * SS]))
    for i in range(9):  # streets
        x = 40 + i * 66 + rng.uniform(-8, 8)
        d.line([p(x, 0), p(x + rng.uniform(-40, 40), h)], fill=200, width=SS)
    for _ in range(8):
        cx, cy, r = rng.uniform(50, w - 50), rng.uniform(50, h - 50), rng.uniform(8, 40)
        x0, y0 = p(cx - r, cy - r)
        x1, y1 = p(cx + r, cy + r)
        d.ellipse([x0, y0, x1, y1], outline=255, width=SS)
    return big.resize((w, h), Image.Resampling.BOX).convert("RGB")


def engraving(shift=0.0, seed=9, w=600, h=600):
    """Dark hatching on paper: an engraving's or a scanned print's tones made of lines."""
    rng = random.Random(seed)
    big = Image.new("L", (w * SS, h * SS), 238)
    d = ImageDraw.Draw(big)
    o = shift * SS
    shapes = [(rng.uniform(60, w - 60), rng.uniform(60, h - 60), rng.uniform(40, 150), rng.uniform(0, math.pi))
              for _ in range(7)]
    for cx, cy, r, ang in shapes:
        gap = rng.choice([4, 5, 6])
        for k in range(-int(r), int(r), gap):
            half = math.sqrt(max(r * r - k * k, 0))
            ca, sa = math.cos(ang), math.sin(ang)
            xa, ya = cx + k * -sa - half * ca, cy + k * ca - half * sa
            xb, yb = cx + k * -sa + half * ca, cy + k * ca + half * sa
            d.line([(xa * SS + o, ya * SS + o), (xb * SS + o, yb * SS + o)], fill=25, width=SS + rng.choice([0, 2]))
    return big.resize((w, h), Image.Resampling.BOX).convert("RGB")


def street_map(shift=0.0, seed=3, w=900, h=700):
    """A map's streets: 60 wandering lines under a pixel wide (0.75-1.5 px) on a dark ground."""
    rng = random.Random(seed)
    big = Image.new("L", (w * SS, h * SS), 12)
    d = ImageDraw.Draw(big)
    o = shift * SS
    for _ in range(60):
        x, y, a = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0, 2 * math.pi)
        pts = []
        for _ in range(120):
            a += rng.uniform(-0.15, 0.15)
            x, y = x + 4 * math.cos(a), y + 4 * math.sin(a)
            pts.append((x * SS + o, y * SS + o))
        d.line(pts, fill=rng.choice([180, 220, 255]), width=rng.choice([3, 4, 6]))
    return big.resize((w, h), Image.Resampling.BOX).convert("RGB")


def variants(name, make, out):
    src = make()
    src.save(os.path.join(out, f"{name}.png"))
    src.save(os.path.join(out, f"{name}_q80.jpg"), quality=80)
    w, h = src.size
    src.resize((w * 7 // 10, h * 7 // 10), Image.Resampling.LANCZOS).save(os.path.join(out, f"{name}_resized.jpg"), quality=90)
    dx, dy = w * 3 // 100, h * 3 // 100
    src.crop((dx, dy, w - dx, h - dy)).save(os.path.join(out, f"{name}_crop3.png"))
    make(shift=0.5).save(os.path.join(out, f"{name}_shift.jpg"), quality=90)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "verification"))
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    for page in PAGES:
        dialog(page).save(os.path.join(out, f"dialog_{page}.png"))
    en = dialog("en")
    en.resize((512, 336), Image.Resampling.LANCZOS).save(os.path.join(out, "dialog_en_copy.jpg"), quality=85)
    variants("lines", line_drawing, out)
    variants("engraving", engraving, out)
    # The map as copies travel: resized to 70% and cropped a little (phash distance 4, correlation
    # 0.94 at 128 px), and shifted by half a pixel before a resize to 60%.
    street_map().save(os.path.join(out, "map.png"))
    street_map().resize((630, 490), Image.Resampling.LANCZOS).crop((5, 4, 625, 486)).save(
        os.path.join(out, "map_resized_crop.jpg"), quality=85)
    street_map(shift=0.5).resize((540, 420), Image.Resampling.LANCZOS).save(os.path.join(out, "map_shift_resized.jpg"), quality=85)


if __name__ == "__main__":
    main()
