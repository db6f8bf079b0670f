"""`python action/comment.py`: post the Markdown report as one pull-request comment.

The comment starts with a hidden marker (lint/formats/markdown.py's MARKER); the one
found is edited in place, so a pull request carries one miglint comment however often
it is pushed to. A clean run posts nothing, but an earlier comment is updated to say
that all checks pass now. The GitHub API is called with curl, the token handed to it on
stdin (never on the command line, where other processes could read it). A refused call
(a fork's pull request gets a read-only token) is a warning: the lint result stands.
"""

import json
import os
import subprocess
import sys
import tempfile

MARKER = "<!-- miglint-comment -->"
PAGES = 30  # 100 comments a page; a pull request with more is left a new comment


def main() -> int:
    event = _event()
    number = _pull_request_number(event)
    if number is None:
        print("miglint: not a pull request event: no comment posted")
        return 0
    with open(os.environ["MIGLINT_MARKDOWN_FILE"], encoding="utf-8") as stream:
        body = stream.read()
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    repository = os.environ["GITHUB_REPOSITORY"]
    try:
        previous = _previous_comment(f"{api}/repos/{repository}/issues/{number}/comments")
        if previous is not None:
            if previous["body"] == body:
                print(f"miglint: comment {previous['html_url']} is up to date")
                return 0
            done = _call(
                "PATCH", f"{api}/repos/{repository}/issues/comments/{previous['id']}", {"body": body}
            )
            print(f"miglint: updated {done.get('html_url', 'the comment')}")
        elif os.environ.get("MIGLINT_FINDINGS", "0") != "0":
            done = _call("POST", f"{api}/repos/{repository}/issues/{number}/comments", {"body": body})
            print(f"miglint: posted {done.get('html_url', 'a comment')}")
        else:
            print("miglint: no findings and no earlier comment: nothing to post")
    except ApiError as error:
        print(f"::warning title=miglint::could not post the pull-request comment: {error}")
    return 0


def _event() -> dict:
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path or not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as stream:
        loaded = json.load(stream)
    return loaded if isinstance(loaded, dict) else {}


def _pull_request_number(event: dict) -> "int | None":
    """pull_request and pull_request_target events; an issue comment on a pull request."""
    if isinstance(event.get("pull_request"), dict):
        return int(event["pull_request"]["number"])
    issue = event.get("issue")
    if isinstance(issue, dict) and issue.get("pull_request"):
        return int(issue["number"])
    return None


def _previous_comment(url: str) -> "dict | None":
    for page in range(1, PAGES + 1):
        comments = _call("GET", f"{url}?per_page=100&page={page}")
        for comment in comments:
            if isinstance(comment.get("body"), str) and comment["body"].startswith(MARKER):
                return comment
        if len(comments) < 100:
            return None
    return None


class ApiError(Exception):
    pass


def _call(method: str, url: str, payload: "dict | None" = None) -> "dict | list":
    token = os.environ.get("MIGLINT_TOKEN", "")
    config = f'header = "Authorization: Bearer {token}"\n' if token else ""
    command = [
        "curl",
        "--silent",
        "--show-error",
        "--request",
        method,
        "--header",
        "Accept: application/vnd.github+json",
        "--header",
        "X-GitHub-Api-Version: 2022-11-28",
        "--write-out",
        "\n%{http_code}",
        "--config",
        "-",
    ]
    with tempfile.TemporaryDirectory() as work:
        if payload is not None:
            data = os.path.join(work, "body.json")
            with open(data, "w", encoding="utf-8") as stream:
                json.dump(payload, stream)
            command += ["--header", "Content-Type: application/json", "--data-binary", f"@{data}"]
        try:
            done = subprocess.run([*command, url], input=config.encode(), capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as error:
            raise ApiError(f"cannot run curl: {error}") from None
    text = done.stdout.decode("utf-8", "replace")
    answer, _, code = text.rpartition("\n")
    if done.returncode != 0 or not code.isdigit() or not 200 <= int(code) < 300:
        reason = done.stderr.decode("utf-8", "replace").strip() or _message(answer)
        raise ApiError(f"{method} {url}: HTTP {code or '?'} {reason}".rstrip())
    return json.loads(answer) if answer.strip() else {}


def _message(answer: str) -> str:
    try:
        return str(json.loads(answer).get("message", ""))
    except (ValueError, AttributeError):
        return ""


if __name__ == "__main__":
    sys.exit(main())
