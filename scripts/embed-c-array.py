#!/usr/bin/env python3
"""Embed a text file in C: NAME[] = {bytes..., 0}; used for the default config."""
import sys

src, dst, name = sys.argv[1:4]
data = open(src, "rb").read() + b"\0"
rows = [",".join(str(b) for b in data[i:i + 24]) for i in range(0, len(data), 24)]
with open(dst, "w") as f:
    f.write(f"/* generated from {src.split('/')[-1]} by scripts/embed-c-array.py */\n")
    f.write(f"static const char {name}[] = {{\n" + ",\n".join(rows) + "\n};\n")
