#!/usr/bin/env python3
"""Lists the corpus formulas that call a function, with Excel's stored result.

usage: scripts/corpus_cases.py FUNC [FUNC...] [--corpus DIR] [--limit N]

For each formula cell whose formula calls one of the functions: file, sheet, cell,
formula, stored value (typed: n number, s text, b boolean, e error). Shared-formula
children are shown with the anchor's text and "(shared)". Helps to read what Excel
computed for a function before implementing it. Test tooling, not product code.
"""
import argparse, glob, os, re, sys, zipfile
from xml.etree import ElementTree as ET

NS = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
R_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'

def sheets_of(z):
    wb = ET.fromstring(z.read('xl/workbook.xml'))
    rels = ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))
    target = {r.get('Id'): r.get('Target') for r in rels}
    out = []
    for s in wb.find('m:sheets', NS):
        t = target.get(s.get('{%s}id' % R_NS), '')
        t = t.lstrip('/')
        if not t.startswith('xl/'): t = 'xl/' + t
        out.append((s.get('name'), t))
    return out

def shared_strings(z):
    try: root = ET.fromstring(z.read('xl/sharedStrings.xml'))
    except KeyError: return []
    return [''.join(t.text or '' for t in si.iter('{%s}t' % NS['m'])) for si in root.findall('m:si', NS)]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('funcs', nargs='+')
    ap.add_argument('--corpus', default=os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'corpus'))
    ap.add_argument('--limit', type=int, default=200)
    a = ap.parse_args()
    pats = [re.compile(r'(?<![A-Za-z0-9_.])(?:_xlfn\.|_xlws\.)*' + re.escape(f) + r'\(', re.I) for f in a.funcs]
    shown = 0
    for path in sorted(glob.glob(os.path.join(a.corpus, '**', '*.xls[xm]'), recursive=True)):
        try: z = zipfile.ZipFile(path)
        except Exception: continue
        try:
            sst = shared_strings(z)
            for name, part in sheets_of(z):
                try: root = ET.fromstring(z.read(part))
                except KeyError: continue
                shared = {}
                for c in root.iter('{%s}c' % NS['m']):
                    f = c.find('m:f', NS)
                    if f is None: continue
                    text = f.text or ''
                    tag = ''
                    if f.get('t') == 'shared':
                        if f.get('ref'): shared[f.get('si')] = text
                        else: text, tag = shared.get(f.get('si'), ''), ' (shared)'
                    if not any(p.search(text) for p in pats): continue
                    v = c.find('m:v', NS); t = c.get('t', 'n')
                    val = None if v is None else v.text
                    if t == 's' and val is not None: val = sst[int(val)]
                    print(f"{os.path.relpath(path, a.corpus)} | {name}!{c.get('r')} | ={text}{tag} | {t}:{val!r}")
                    shown += 1
                    if shown >= a.limit: return
        finally: z.close()

if __name__ == '__main__':
    main()
