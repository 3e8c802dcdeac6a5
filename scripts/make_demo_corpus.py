#!/usr/bin/env python3
"""Make a small 3-dataset demo corpus from a folder of real pictures.

    python3 scripts/make_demo_corpus.py PICTURES_DIR OUT_DIR

Three "collections" (museum, archive, web) each hold their own pictures, and some pictures
appear in two or three of them the way real collections copy each other: re-encoded at another
JPEG quality, downscaled, converted to PNG, turned grey or lightly cropped. The truth (which
files come from the same picture) is written to OUT_DIR/ground_truth.json in the format
`crosshash evaluate --ground-truth` reads. Deterministic: the same pictures give the same corpus.
"""
import json, os, random, sys
from PIL import Image, ImageOps

DATASETS = ["museum", "archive", "web"]


def variants(img, rng):
    """One way a collection might have stored its copy."""
    kind = rng.choice(["requality", "downscale", "png", "grey", "crop"])
    w, h = img.size
    if kind == "downscale":
        s = rng.uniform(0.4, 0.8)
        img = img.resize((max(1, int(w * s)), max(1, int(h * s))), Image.LANCZOS)
    elif kind == "grey":
        img = ImageOps.grayscale(img)
    elif kind == "crop":
        dx, dy = int(w * 0.02), int(h * 0.02)
        img = img.crop((dx, dy, w - dx, h - dy))
    fmt, ext = ("PNG", ".png") if kind == "png" else ("JPEG", ".jpg")
    return img, fmt, ext, rng.choice([70, 80, 92])


def distinct(src, files):
    """Drops pictures that are another one at a different size (wallpaper packages ship the same
    picture in several resolutions): otherwise the ground truth would call real copies unrelated."""
    kept, seen = [], []
    for f in sorted(files):
        small = Image.open(os.path.join(src, f)).convert("L").resize((16, 16), Image.BOX)
        px = list(small.getdata()) if not hasattr(small, "get_flattened_data") else list(small.get_flattened_data())
        mean = sum(px) / len(px)
        bits = [p > mean for p in px]
        if all(sum(a != b for a, b in zip(bits, other)) > 40 for other in seen):
            seen.append(bits)
            kept.append(f)
    return kept


def main(src, out):
    rng = random.Random(20261125)
    files = sorted(f for f in os.listdir(src) if f.lower().endswith((".jpg", ".jpeg", ".png")))
    if len(files) < 12:
        sys.exit(f"need at least 12 pictures in {src}, found {len(files)}")
    files = distinct(src, files)
    rng.shuffle(files)
    # A third of the pictures are shared: by two datasets, some by all three.
    n_shared = len(files) // 3
    owners = []
    for i, f in enumerate(files):
        if i < n_shared:
            owners.append(DATASETS if i % 4 == 0 else rng.sample(DATASETS, 2))
        else:
            owners.append([DATASETS[i % 3]])
    truth_groups, cross_pairs = [], []
    for i, (f, who) in enumerate(zip(files, owners)):
        base = Image.open(os.path.join(src, f)).convert("RGB")
        # Keep the demo quick: pictures are stored at most 1600 px wide.
        if base.width > 1600:
            base = base.resize((1600, max(1, base.height * 1600 // base.width)), Image.LANCZOS)
        members = []
        for d in who:
            img, fmt, ext, q = variants(base, rng) if len(who) > 1 else (base, "JPEG", ".jpg", 85)
            name = f"{d[:3]}_{i:03d}{ext}"
            os.makedirs(os.path.join(out, d), exist_ok=True)
            img.save(os.path.join(out, d, name), fmt, **({"quality": q} if fmt == "JPEG" else {}))
            members.append([d, name])
        truth_groups.append(members)
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                cross_pairs.append(sorted([members[a], members[b]]))
    with open(os.path.join(out, "ground_truth.json"), "w") as fh:
        json.dump({"groups": truth_groups, "cross_pairs": sorted(cross_pairs)}, fh, indent=1, sort_keys=True)
    print(f"demo corpus: {len(files)} pictures, {n_shared} shared, {len(cross_pairs)} true cross pairs -> {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
