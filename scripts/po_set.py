"""Fill translations into a .po file from lines on stdin: `msgid<TAB>msgstr`, plurals as
`msgid<TAB>singular||plural` (msgid being the singular). Sets the entry and drops its fuzzy
flag; entries not listed are left as they are.

    python3 scripts/po_set.py locale/fr/LC_MESSAGES/django.po < translations.tsv
"""

import re
import sys


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _continued(lines: list[str], start: int) -> int:
    """The index after the quoted continuation lines that follow lines[start]."""
    end = start + 1
    while end < len(lines) and lines[end].startswith('"'):
        end += 1
    return end


def _set(block: str, pairs: dict[str, str]) -> str:
    lines = block.split("\n")
    first = next((i for i, line in enumerate(lines) if line.startswith("msgid ")), None)
    if first is None:
        return block
    end = _continued(lines, first)
    parts = [re.match(r'msgid "(.*)"', lines[first]).group(1)]
    parts += [line[1:-1] for line in lines[first + 1 : end]]
    msgid = "".join(parts).replace('\\"', '"').replace("\\\\", "\\")
    if msgid == "" or msgid not in pairs:
        return block
    head = []
    for line in lines[:first]:
        if line.startswith("#|"):
            continue
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",") if f.strip() != "fuzzy"]
            if flags:
                head.append("#, " + ", ".join(flags))
            continue
        head.append(line)
    rest = lines[end:]
    plural = next((i for i, line in enumerate(rest) if line.startswith("msgid_plural")), None)
    if plural is None:
        return "\n".join([*head, *lines[first:end], f'msgstr "{_escape(pairs[msgid])}"'])
    plural_lines = rest[plural : _continued(rest, plural)]
    singular, several = pairs[msgid].split("||")
    return "\n".join(
        [
            *head,
            *lines[first:end],
            *plural_lines,
            f'msgstr[0] "{_escape(singular)}"',
            f'msgstr[1] "{_escape(several)}"',
        ]
    )


def main(path: str) -> None:
    pairs = dict(line.rstrip("\n").split("\t", 1) for line in sys.stdin if "\t" in line)
    with open(path, encoding="utf-8") as f:
        blocks = f.read().split("\n\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n\n".join(_set(block, pairs) for block in blocks))


if __name__ == "__main__":
    main(sys.argv[1])
