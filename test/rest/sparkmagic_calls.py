"""The REST calls sparkmagic makes for one cell, with Python requests and Basic auth:
create a session, poll it until idle, run a statement, poll it until available, read the
result, delete the session. Prints one JSON line; exit 0 when every call succeeded, 1 when one
failed (with the status and the URL it ended at)."""
import json
import sys
import time

import requests

base, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
http = requests.Session()
http.auth = (user, password)
http.headers["Content-Type"] = "application/json"
trace = []


def call(method, path, **kw):
    r = http.request(method, base + path, timeout=10, **kw)
    trace.append({"call": f"{method} {path}", "status": r.status_code, "url": r.url, "redirects": [h.status_code for h in r.history]})
    if r.status_code >= 400:
        print(json.dumps({"ok": False, "trace": trace}))
        sys.exit(1)
    return r.json()


def until(path, key, want):
    deadline = time.time() + 10
    while True:
        value = call("GET", path)
        if value[key] == want or time.time() > deadline:
            return value
        time.sleep(0.1)


session = call("POST", "/sessions", data=json.dumps({"kind": "pyspark"}))
sid = session["id"]
until(f"/sessions/{sid}", "state", "idle")
stmt = call("POST", f"/sessions/{sid}/statements", data=json.dumps({"code": "1 + 1"}))
result = until(f"/sessions/{sid}/statements/{stmt['id']}", "state", "available")
call("DELETE", f"/sessions/{sid}")
print(json.dumps({"ok": True, "output": result["output"], "trace": trace}))
