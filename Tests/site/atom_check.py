#!/usr/bin/env python3
"""Checks Atom feeds against RFC 4287's rules for feeds and entries, with the standard library only.

usage: atom_check.py FILE...   — prints one line per problem and exits 1 if there is any.

What it checks (RFC 4287 §4.1.1, §4.1.2, §3.3, §4.2.6): the document is well-formed XML whose root is
atom:feed; the feed has exactly one atom:id, atom:title and atom:updated, and an atom:author unless every
entry has one; each entry has exactly one atom:id, atom:title and atom:updated, and an atom:link with
rel="alternate" (it has no atom:content); ids are absolute IRIs and no two entries share one; dates are
RFC 3339 date-times; the feed's updated is not before any entry's. No Atom validator is packaged for
Debian bookworm or on PyPI (see the closing note of issue 25); this is the structural part of one.
"""
import re
import sys
import xml.etree.ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


def check(path):
    problems = []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        return ["%s: not well-formed XML: %s" % (path, error)]
    if root.tag != ATOM + "feed":
        return ["%s: the root element is %s, not atom:feed" % (path, root.tag)]

    def one(element, name, where):
        found = element.findall(ATOM + name)
        if len(found) != 1:
            problems.append("%s: %s has %d atom:%s (exactly one required)" % (path, where, len(found), name))
            return None
        return found[0]

    def date(element, where):
        if element is not None and not DATE.fullmatch((element.text or "").strip()):
            problems.append("%s: %s updated %r is not an RFC 3339 date-time" % (path, where, element.text))

    feed_id = one(root, "id", "the feed")
    if feed_id is not None and not IRI.fullmatch(feed_id.text or ""):
        problems.append("%s: the feed id %r is not an absolute IRI" % (path, feed_id.text))
    one(root, "title", "the feed")
    updated = one(root, "updated", "the feed")
    date(updated, "the feed")
    entries = root.findall(ATOM + "entry")
    if not root.findall(ATOM + "author") and any(not entry.findall(ATOM + "author") for entry in entries):
        problems.append("%s: the feed has no atom:author and an entry has none either" % path)
    seen = set()
    for number, entry in enumerate(entries, 1):
        where = "entry %d" % number
        entry_id = one(entry, "id", where)
        if entry_id is not None:
            if not IRI.fullmatch(entry_id.text or ""):
                problems.append("%s: %s id %r is not an absolute IRI" % (path, where, entry_id.text))
            if entry_id.text in seen:
                problems.append("%s: %s repeats the id %s" % (path, where, entry_id.text))
            seen.add(entry_id.text)
        one(entry, "title", where)
        entry_updated = one(entry, "updated", where)
        date(entry_updated, where)
        if entry_updated is not None and updated is not None and (entry_updated.text or "") > (updated.text or ""):
            problems.append("%s: %s is newer than the feed" % (path, where))
        if not entry.findall(ATOM + "content") and not any(link.get("rel", "alternate") == "alternate"
                                                          for link in entry.findall(ATOM + "link")):
            problems.append("%s: %s has neither atom:content nor an alternate link" % (path, where))
    return problems


def main(paths):
    problems = [problem for path in paths for problem in check(path)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
