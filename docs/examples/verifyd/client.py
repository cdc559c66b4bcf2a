"""Calling mynakey-verifyd from Python 3 (standard library only).

    python3 client.py challenge SESSION             -> prints the challenge for the page
    python3 client.py login SESSION ORIGIN < token  -> prints the verdict, exit 0 if valid
"""
import json
import os
import sys
import urllib.request

BASE = os.environ.get("VERIFYD_URL", "http://127.0.0.1:8080")


def call(path, body):
    request = urllib.request.Request(
        BASE + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    # Non-200 (400 malformed, 503 challenge store down) raises urllib.error.HTTPError.
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def new_challenge(session):
    """One challenge per browser session (single use, 5 minutes)."""
    return call("/v1/challenges", {"session": session})["challenge"]


def verify_login(session, origin, token):
    """Takes this session's challenge and checks the proof the page posted.

    `token` is the object the page posted (parsed JSON), forwarded as it is.
    """
    return call("/v1/login", {"token": token, "origin": origin, "session": session})


if __name__ == "__main__":
    if sys.argv[1] == "challenge":
        print(new_challenge(sys.argv[2]))
    elif sys.argv[1] == "login":
        verdict = verify_login(sys.argv[2], sys.argv[3], json.load(sys.stdin))
        print(json.dumps(verdict, separators=(",", ":")))
        sys.exit(0 if verdict["valid"] else 1)
