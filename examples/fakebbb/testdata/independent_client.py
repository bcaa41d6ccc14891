# A client written from the BigBlueButton protocol description alone (Python 3,
# standard library only), used to check examples/fakebbb from outside Go:
#
#   BBB_SECRET=independent-secret go run ./examples/fakebbb -listen 127.0.0.1:18090 &
#   python3 examples/fakebbb/testdata/independent_client.py
#
# FAKEBBB_URL (the API base) and BBB_SECRET override the defaults above; the
# webhook receiver listens on a free port (TestIndependentPythonClient runs it
# this way).
#
# It signs with all four algorithms, drives a meeting and recording lifecycle,
# receives the webhook callbacks on 127.0.0.1:18091 and verifies their
# checksums. Exit status 0 means every check passed.
import hashlib, urllib.parse, urllib.request, xml.etree.ElementTree as ET, sys, time, json, http.server, threading, hmac

import os
BASE = os.environ.get("FAKEBBB_URL", "http://127.0.0.1:18090/bigbluebutton/api/")
SECRET = os.environ.get("BBB_SECRET", "independent-secret")

def sign(call, params, alg="sha1"):
    q = urllib.parse.urlencode(params)  # quote_plus encoding, like Java URLEncoder
    h = hashlib.new(alg, (call + q + SECRET).encode()).hexdigest()
    return BASE + call + "?" + (q + "&" if q else "") + "checksum=" + h

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
opener = urllib.request.build_opener(NoRedirect)

def call(c, params=(), alg="sha1"):
    try:
        with opener.open(sign(c, list(params), alg)) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()

def x(body):
    return ET.fromstring(body)

events = []
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
      try:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        cb = CALLBACK
        qs = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        ok = qs["checksum"][0] == hashlib.sha1((cb + body.decode() + SECRET).encode()).hexdigest()
        ev = json.loads(urllib.parse.parse_qs(body.decode())["event"][0])[0]
        events.append((ev["data"]["id"], ok))
        self.send_response(200); self.end_headers()
      except Exception as e:
        print("receiver error", repr(e)); raise
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
CALLBACK = "http://127.0.0.1:%d/cb" % srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()

fails = 0
def check(name, cond):
    global fails
    print(("ok   " if cond else "FAIL ") + name)
    if not cond: fails += 1

s, h, b = call("hooks/create", [("callbackURL", CALLBACK)])
check("hooks/create", x(b).findtext("returncode") == "SUCCESS")
s, h, b = call("create", [("name", "Indep Room é"), ("meetingID", "indep-1"), ("record", "true"), ("meta_Origin", "python")], "sha256")
r = x(b); check("create sha256", r.findtext("returncode") == "SUCCESS" and r.findtext("internalMeetingID").startswith(hashlib.sha1(b"indep-1").hexdigest()))
s, h, b = call("create", [("name", "Indep Room é"), ("meetingID", "indep-1")], "sha512")
check("create duplicate sha512", x(b).findtext("messageKey") == "duplicateWarning")
s, h, b = call("join", [("fullName", "Py User"), ("meetingID", "indep-1"), ("role", "MODERATOR"), ("redirect", "false")], "sha384")
r = x(b); check("join redirect=false sha384", r.findtext("messageKey") == "successfullyJoined" and len(r.findtext("session_token")) == 16)
s, h, b = call("join", [("fullName", "Py Two"), ("meetingID", "indep-1"), ("role", "VIEWER")])
check("join redirect", s == 302 and "sessionToken=" in h["Location"])
s, h, b = call("getMeetingInfo", [("meetingID", "indep-1")])
r = x(b); check("getMeetingInfo", r.findtext("participantCount") == "2" and r.findtext("running") == "true" and r.find("metadata/origin").text == "python")
s, h, b = call("getMeetingInfo", [("meetingID", "indep-1")], "md5") if False else (None, None, None)
bad = BASE + "getMeetings?checksum=" + "0" * 40
with opener.open(bad) as rr: check("checksumError", x(rr.read()).findtext("messageKey") == "checksumError")
s, h, b = call("end", [("meetingID", "indep-1")])
check("end", x(b).findtext("messageKey") == "sentEndMeetingRequest")
time.sleep(0.3)
s, h, b = call("getRecordings", [("meetingID", "indep-1")])
r = x(b); rec = r.find("recordings/recording")
check("getRecordings", rec is not None and rec.findtext("state") == "published" and rec.find("playback/format/preview/images/image") is not None)
rid = rec.findtext("recordID")
s, h, b = call("publishRecordings", [("recordID", rid), ("publish", "false")])
check("publishRecordings", x(b).findtext("published") == "false")
s, h, b = call("getRecordings", [("state", "unpublished"), ("limit", "1")])
check("getRecordings paged", x(b).findtext("totalElements") == "1")
s, h, b = call("deleteRecordings", [("recordID", rid)])
check("deleteRecordings", x(b).findtext("deleted") == "true")
time.sleep(2.5)
ids = sorted(e for e, ok in events)
check("webhook events " + ",".join(sorted(set(ids))), {"meeting-created", "user-joined", "user-left", "meeting-ended", "rap-publish-ended", "rap-unpublished", "rap-deleted"} <= set(ids))
check("webhook checksums verify", all(ok for e, ok in events) and len(events) > 0)
srv.shutdown()
sys.exit(1 if fails else 0)
