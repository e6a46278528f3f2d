"""po_set.py file.po < tsv (msgid<TAB>msgstr, plural: msgstr0||msgstr1). Sets, drops fuzzy."""
import re, sys
path = sys.argv[1]
pairs = dict(line.rstrip("\n").split("\t", 1) for line in sys.stdin if "\t" in line)
blocks = open(path, encoding="utf-8").read().split("\n\n")
def esc(s): return s.replace("\\", "\\\\").replace('"', '\\"')
out = []
for b in blocks:
    lines = b.split("\n")
    i_id = next((i for i, l in enumerate(lines) if l.startswith("msgid ")), None)
    if i_id is None:
        out.append(b); continue
    j = i_id + 1
    parts = [re.match(r'msgid "(.*)"', lines[i_id]).group(1)]
    while j < len(lines) and lines[j].startswith('"'):
        parts.append(lines[j][1:-1]); j += 1
    raw = "".join(parts).replace('\\"', '"').replace("\\\\", "\\")
    if raw == "" or raw not in pairs:
        out.append(b); continue
    head = []
    for l in lines[:i_id]:
        if l.startswith("#|"): continue
        if l.startswith("#,"):
            flags = [f.strip() for f in l[2:].split(",") if f.strip() != "fuzzy"]
            if flags: head.append("#, " + ", ".join(flags))
            continue
        head.append(l)
    idlines = lines[i_id:j]
    rest = lines[j:]
    plural = [l for l in rest if l.startswith("msgid_plural")]
    if plural:
        k = rest.index(plural[0]); pl = [rest[k]]; k += 1
        while k < len(rest) and rest[k].startswith('"'):
            pl.append(rest[k]); k += 1
        s0, s1 = pairs[raw].split("||")
        new = head + idlines + pl + [f'msgstr[0] "{esc(s0)}"', f'msgstr[1] "{esc(s1)}"']
    else:
        new = head + idlines + [f'msgstr "{esc(pairs[raw])}"']
    out.append("\n".join(new))
open(path, "w", encoding="utf-8").write("\n\n".join(out))
