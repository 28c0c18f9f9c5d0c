#!/usr/bin/env python3
"""Writes invalid.jsonl: documents that spec/probe.md §2.5 refuses, each a change to scenarios.json with the
place and the code a validator must report first. The expectations are written here by hand from the
specification (never taken from the code), so the test suite checks the code against the text.

    python3 spec/vectors/probe/invalid.py
"""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
doc = json.load(open(os.path.join(HERE, "scenarios.json")))
I2I, LIVE, LLM, T2I = 0, 1, 2, 3
cases = []
def case(name, code, path, mutate=None, text=None):
    if text is not None:
        cases.append({"case": name, "code": code, "path": path, "text": text}); return
    d = copy.deepcopy(doc); mutate(d)
    cases.append({"case": name, "code": code, "path": path, "document": d})
def canon(d): return json.dumps(d, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
case("truncated", "malformed-json", "$", text='{"scenarios":[')
case("repeated member name", "malformed-json", "$", text='{"scenarios":[],"version":1,"version":1}')
case("whitespace", "not-canonical", "$", text=json.dumps(doc, sort_keys=True, indent=1))
case("members out of order", "not-canonical", "$", text='{"version":1,' + canon(doc)[1:-len(',"version":1}')] + '}')
case("number not in shortest form", "not-canonical", "$", text=canon(doc)[:-len('1}')] + '1.0}')
# An integer beyond 64 bits is a double to RFC 8785 (1e+30), so its digits are not its canonical form.
case("integer beyond 64 bits in a body", "not-canonical", "$", text=canon(doc).replace('"max_tokens":256', '"max_tokens":1000000000000000000000000000000', 1))
# Beyond any double: not JSON under the strict rules (canonical-json.md §2, number-out-of-range).
case("number beyond a double in a body", "malformed-json", "$", text=canon(doc).replace('"max_tokens":256', '"max_tokens":1e400', 1))
case("unknown top-level member", "unknown-member", "extra", lambda d: d.update(extra=1))
case("version as text", "wrong-type", "version", lambda d: d.update(version="1"))
case("version 2", "out-of-range", "version", lambda d: d.update(version=2))
case("no version", "missing-member", "version", lambda d: d.pop("version"))
case("scenarios not an array", "wrong-type", "scenarios", lambda d: d.update(scenarios={}))
case("no scenarios", "out-of-range", "scenarios", lambda d: d.update(scenarios=[]))
case("a scenario not an object", "wrong-type", "scenarios[0]", lambda d: d["scenarios"].__setitem__(0, "t2i"))
case("unknown scenario member", "unknown-member", "scenarios[3].latency_ms", lambda d: d["scenarios"][T2I].update(latency_ms=1))
case("id with capitals and a space", "bad-format", "scenarios[0].id", lambda d: d["scenarios"][I2I].update(id="I2I Bear"))
case("model id with a space", "bad-format", "scenarios[2].model_id", lambda d: d["scenarios"][LLM].update(model_id="meta llama"))
case("unknown pipeline", "not-in-enumeration", "scenarios[3].pipeline", lambda d: d["scenarios"][T2I].update(pipeline="text-to-3d"))
case("no timeout", "missing-member", "scenarios[0].timeout_ms", lambda d: d["scenarios"][I2I].pop("timeout_ms"))
case("timeout below a second", "out-of-range", "scenarios[0].timeout_ms", lambda d: d["scenarios"][I2I].update(timeout_ms=999))
case("per_day above one a minute", "out-of-range", "scenarios[0].schedule.per_day", lambda d: d["scenarios"][I2I]["schedule"].update(per_day=1441))
case("cost cap with a leading zero", "bad-format", "scenarios[3].schedule.max_daily_cost_wei", lambda d: d["scenarios"][T2I]["schedule"].update(max_daily_cost_wei="05"))
case("cost cap as a number", "wrong-type", "scenarios[3].schedule.max_daily_cost_wei", lambda d: d["scenarios"][T2I]["schedule"].update(max_daily_cost_wei=5))
case("status 600", "out-of-range", "scenarios[3].checks.status", lambda d: d["scenarios"][T2I]["checks"].update(status=600))
case("no status check", "missing-member", "scenarios[3].checks.status", lambda d: d["scenarios"][T2I]["checks"].pop("status"))
case("unknown check", "unknown-member", "scenarios[3].checks.latency", lambda d: d["scenarios"][T2I]["checks"].update(latency=1))
case("17 images", "out-of-range", "scenarios[3].checks.images.count", lambda d: d["scenarios"][T2I]["checks"]["images"].update(count=17))
case("content type without subtype", "bad-format", "scenarios[3].checks.content_type", lambda d: d["scenarios"][T2I]["checks"].update(content_type="application"))
case("json body as an array", "wrong-type", "scenarios[3].request.json", lambda d: d["scenarios"][T2I]["request"].update(json=[]))
case("json body over 64 KiB", "out-of-range", "scenarios[3].request.json", lambda d: d["scenarios"][T2I]["request"]["json"].update(prompt="b" * 66000))
case("empty request", "missing-member", "scenarios[3].request", lambda d: d["scenarios"][T2I].update(request={}))
case("two requests", "rule-violated", "scenarios[3].request", lambda d: d["scenarios"][T2I]["request"].update(live={"duration_s": 10, "params": {}}))
case("live request for text-to-image", "request-not-applicable", "scenarios[3].request", lambda d: d["scenarios"][T2I].update(request={"live": {"duration_s": 10, "params": {}}}))
case("body names another model", "model-mismatch", "scenarios[3].request.json", lambda d: d["scenarios"][T2I]["request"]["json"].update(model_id="other/model"))
case("llm body without model", "model-mismatch", "scenarios[2].request.json", lambda d: d["scenarios"][LLM]["request"]["json"].pop("model"))
case("multipart names another model", "model-mismatch", "scenarios[0].request.multipart", lambda d: d["scenarios"][I2I]["request"]["multipart"][0].update(value="other/model"))
case("images check on llm", "check-not-applicable", "scenarios[2].checks.images", lambda d: d["scenarios"][LLM]["checks"].update(images={"count": 1, "height": 1, "width": 1}))
case("content type check on live", "check-not-applicable", "scenarios[1].checks.content_type", lambda d: d["scenarios"][LIVE]["checks"].update(content_type="video/mp4"))
case("multipart without a file", "rule-violated", "scenarios[0].request.multipart", lambda d: d["scenarios"][I2I]["request"]["multipart"].pop(2))
case("part name twice", "rule-violated", "scenarios[0].request.multipart[2].name", lambda d: d["scenarios"][I2I]["request"]["multipart"][2].update(name="prompt"))
case("part with file and value", "rule-violated", "scenarios[0].request.multipart[2]", lambda d: d["scenarios"][I2I]["request"]["multipart"][2].update(value="x"))
case("part with neither file nor value", "missing-member", "scenarios[0].request.multipart[2]", lambda d: d["scenarios"][I2I]["request"]["multipart"][2].pop("file"))
case("part text not ASCII", "bad-format", "scenarios[0].request.multipart[1].value", lambda d: d["scenarios"][I2I]["request"]["multipart"][1].update(value="un ours \u00e9"))
case("33 parts", "out-of-range", "scenarios[0].request.multipart", lambda d: d["scenarios"][I2I]["request"].update(multipart=[{"name": "p%d" % i, "value": ""} for i in range(33)]))
case("file hash in capitals", "bad-format", "scenarios[0].request.multipart[2].file.sha256", lambda d: d["scenarios"][I2I]["request"]["multipart"][2]["file"].update(sha256=d["scenarios"][I2I]["request"]["multipart"][2]["file"]["sha256"].upper()))
case("empty file", "out-of-range", "scenarios[0].request.multipart[2].file.size", lambda d: d["scenarios"][I2I]["request"]["multipart"][2]["file"].update(size=0))
case("file name not a slug", "bad-format", "scenarios[0].request.multipart[2].file.filename", lambda d: d["scenarios"][I2I]["request"]["multipart"][2]["file"].update(filename="Bear.PNG"))
case("live stream of 5 s", "out-of-range", "scenarios[1].request.live.duration_s", lambda d: d["scenarios"][LIVE]["request"]["live"].update(duration_s=5))
case("live params as text", "wrong-type", "scenarios[1].request.live.params", lambda d: d["scenarios"][LIVE]["request"]["live"].update(params="x"))
case("live timeout shorter than the stream", "rule-violated", "scenarios[1].timeout_ms", lambda d: d["scenarios"][LIVE].update(timeout_ms=20000))
case("scenarios out of order", "not-sorted", "scenarios[1].id", lambda d: d["scenarios"].reverse())
case("a scenario twice", "duplicate-id", "scenarios[1].id", lambda d: d["scenarios"].__setitem__(1, copy.deepcopy(d["scenarios"][0])))
with open(os.path.join(HERE, "invalid.jsonl"), "w") as f:
    for c in cases: f.write(canon(c) + "\n")
print("%d refused documents" % len(cases))
