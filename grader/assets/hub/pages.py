"""The hub's web pages: plain HTML at Docker Hub's paths, no script needed.

Every value from an account, a form or the registry is escaped. Elements tests and lessons look
for carry ``data-*`` attributes (``data-token``, ``data-tag``, ``data-visibility``)."""

from __future__ import annotations

from html import escape

from store import PERMISSIONS, Repository, Token

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#17191e;background:#f7f8fa}
header{background:#1d63ed;color:#fff;padding:.6em 1.5em;display:flex;gap:1.5em;align-items:center}
header a{color:#fff;text-decoration:none}header .who{margin-left:auto}
main{max-width:60em;margin:1.5em auto;padding:0 1.5em}
.card{background:#fff;border:1px solid #dfe3e8;border-radius:8px;padding:1em 1.5em;margin:1em 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4em .6em;border-bottom:1px solid #e6e9ee}
code,.mono{font-family:ui-monospace,monospace;font-size:.92em}
.badge{display:inline-block;padding:0 .5em;border-radius:4px;font-size:.85em;background:#e6eefc}
.private{background:#fde8e8}.error{color:#b00020;font-weight:600}.note{color:#555}
.tabs a{margin-right:1.2em}button,input,select{font:inherit;padding:.3em .6em}
label{display:block;margin:.6em 0 .2em}td.mono{word-break:break-all}.token{font-size:1.1em;background:#eef6ee;padding:.5em;word-break:break-all}
"""


def _layout(title: str, user: str, body: str, csrf: str = "") -> str:
    who = (
        f'<span class="who">Signed in as <b data-user="{escape(user)}">{escape(user)}</b></span>'
        f'<a href="/settings/personal-access-tokens">Account settings</a>'
        f'<form method="post" action="/logout" style="display:inline">'
        f'<button type="submit">Sign out</button></form>'
        if user
        else '<a class="who" href="/login">Sign in</a>'
    )
    nav = f'<a href="/repositories/{escape(user)}">My repositories</a>' if user else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)} | Classroom Hub"
        f"</title><style>{STYLE}</style></head><body><header><a href='/'><b>Classroom Hub</b></a>"
        f"{nav}{who}</header><main>{body}</main></body></html>"
    )


def _csrf(csrf: str) -> str:
    return f'<input type="hidden" name="csrf" value="{escape(csrf)}">'


def error(status: int, message: str, user: str = "") -> str:
    return _layout(
        str(status),
        user,
        f'<div class="card"><h1>{status}</h1><p class="error">{escape(message)}</p></div>',
    )


def login(next_path: str = "", message: str = "", username: str = "") -> str:
    problem = f'<p class="error" data-error>{escape(message)}</p>' if message else ""
    return _layout(
        "Sign in",
        "",
        f"""<div class="card" style="max-width:24em"><h1>Sign in</h1>{problem}
<form method="post" action="/login">
<input type="hidden" name="next" value="{escape(next_path)}">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" value="{escape(username)}" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit" id="sign-in">Sign in</button></p></form>
<p>New here? <a href="/signup" id="to-sign-up">Sign up</a></p>
<p class="note">A lab the course made an account for shows its password
(<code>lab.password</code>).</p></div>""",
    )


def signup(message: str = "", username: str = "", email: str = "", owner: str = "") -> str:
    """Docker Hub's sign-up form: a username (4 to 30 lowercase letters and digits; it will be
    in every image name you push), an email address and a password (9 characters or more)."""
    problem = f'<p class="error" data-error>{escape(message)}</p>' if message else ""
    if owner and not message:
        problem = (
            f'<p data-owner="{escape(owner)}">This hub already has its learner\'s account, '
            f'<b>{escape(owner)}</b>: <a href="/login">sign in</a> instead.</p>'
        )
    return _layout(
        "Sign up",
        "",
        f"""<div class="card" style="max-width:28em"><h1>Create your account</h1>{problem}
<form method="post" action="/signup">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" value="{escape(email)}" required>
<label for="username">Username</label><input id="username" name="username" autocomplete="username" value="{escape(username)}" required pattern="[a-z0-9]{{4,30}}" title="4 to 30 lowercase letters and digits">
<p class="note">4 to 30 characters, lowercase letters and digits only. It becomes part of every
image you push (<code>USERNAME/my-flask-app:v1</code>) and cannot be changed later.</p>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="9" required>
<p class="note">At least 9 characters.</p>
<p><button type="submit" id="sign-up">Sign up</button></p></form>
<p class="note">Docker Hub then sends an email to verify your address; the classroom hub sends
none. Already have an account? <a href="/login">Sign in</a></p></div>""",
    )


def repositories(user: str, namespace: str, found: list[Repository], registry: str) -> str:
    rows = "".join(
        f'<tr data-repository="{escape(r.name)}"><td><a href="/r/{escape(namespace)}/{escape(r.name)}">'
        f"{escape(namespace)}/{escape(r.name)}</a></td><td>{_visibility(r)}</td>"
        f"<td>{escape(r.last_updated or 'never pushed')}</td></tr>"
        for r in found
    )
    empty = (
        f"<p>No repositories yet. A push creates one: <code>docker push "
        f"{escape(registry)}/{escape(namespace)}/NAME:TAG</code></p>"
        if not found
        else ""
    )
    return _layout(
        f"{namespace}'s repositories",
        user,
        f"""<div class="card"><h1>Repositories of {escape(namespace)}</h1>{empty}
<table><tr><th>Name</th><th>Visibility</th><th>Last pushed</th></tr>{rows}</table></div>""",
    )


def _visibility(repo: Repository) -> str:
    word = "Private" if repo.is_private else "Public"
    return f'<span class="badge {word.lower()}" data-visibility="{word.lower()}">{word}</span>'


def _tabs(repo: Repository) -> str:
    base = f"/r/{escape(repo.namespace)}/{escape(repo.name)}"
    return f'<p class="tabs"><a href="{base}">General</a><a href="{base}/tags">Tags</a></p>'


def repository(
    user: str, csrf: str, repo: Repository, registry: str, tags: list[dict], message: str = ""
) -> str:
    full = f"{registry}/{repo.namespace}/{repo.name}"
    latest = tags[0]["name"] if tags else "TAG"
    settings = ""
    if user == repo.namespace:
        other = "public" if repo.is_private else "private"
        problem = f'<p class="error" data-error>{escape(message)}</p>' if message else ""
        settings = f"""<div class="card" id="settings"><h2>Settings: visibility</h2>{problem}
<p>This repository is <b>{"private" if repo.is_private else "public"}</b>:
{"only you can pull it (signed in)." if repo.is_private else "anyone can pull it, without signing in."}
Only you can push to it either way.</p>
<form method="post" action="/r/{escape(repo.namespace)}/{escape(repo.name)}/settings/visibility">
{_csrf(csrf)}<input type="hidden" name="visibility" value="{other}">
<button type="submit" id="make-{other}">Make {other}</button></form></div>"""
    return _layout(
        f"{repo.namespace}/{repo.name}",
        user,
        f"""<div class="card"><h1>{escape(repo.namespace)}/{escape(repo.name)} {_visibility(repo)}</h1>
{_tabs(repo)}<p>{escape(repo.description) or '<span class="note">No description.</span>'}</p>
<p>Last pushed: <span data-last-pushed>{escape(repo.last_updated or "never")}</span> ·
{len(tags)} tag(s) · pulls: {repo.pull_count}</p>
<h2>Docker commands</h2><p>To push a new tag to this repository:</p>
<pre class="mono">docker push {escape(full)}:tagname</pre>
<p>To pull it:</p><pre class="mono" data-pull>docker pull {escape(full)}:{escape(latest)}</pre></div>{settings}""",
    )


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1000
    return ""


def tags(user: str, repo: Repository, registry: str, found: list[dict]) -> str:
    rows = ""
    for tag in found:
        for image in tag["images"] or [{}]:
            platform = "/".join(
                p for p in (image.get("os"), image.get("architecture"), image.get("variant")) if p
            )
            rows += (
                f'<tr data-tag="{escape(tag["name"])}"><td><b>{escape(tag["name"])}</b></td>'
                f'<td class="mono" data-digest="{escape(tag["digest"])}" title="{escape(tag["digest"])}">'
                f"{escape(tag['digest'][:19])}…</td>"
                f"<td>{escape(platform)}</td><td data-size='{image.get('size', 0)}'>{_size(image.get('size', 0))}</td>"
                f"<td>{escape(tag['tag_last_pushed'] or '')}"
                f"{' by ' + escape(tag['last_updater_username']) if tag['last_updater_username'] else ''}</td>"
                f'<td class="mono">docker pull {escape(registry)}/{escape(repo.namespace)}/{escape(repo.name)}:{escape(tag["name"])}</td></tr>'
            )
    empty = "<p>No tags yet: push one.</p>" if not found else ""
    return _layout(
        f"{repo.namespace}/{repo.name} tags",
        user,
        f"""<div class="card"><h1>{escape(repo.namespace)}/{escape(repo.name)} {_visibility(repo)}</h1>{_tabs(repo)}
<h2>Tags</h2>{empty}<table><tr><th>Tag</th><th>Digest</th><th>OS/ARCH</th><th>Compressed size</th>
<th>Last pushed</th><th>Pull command</th></tr>{rows}</table></div>""",
    )


def tokens(user: str, csrf: str, found: list[Token]) -> str:
    rows = ""
    for token in found:
        toggle = "deactivate" if token.is_active else "activate"
        rows += f"""<tr data-token-row="{escape(token.uuid)}" data-status="{token.status}">
<td>{escape(token.label)}</td><td>{escape(PERMISSIONS.get(token.scope, token.scope))}</td>
<td>{token.status.capitalize()}</td><td>{escape(token.created_at[:19].replace("T", " "))}</td>
<td>{escape((token.last_used or "never")[:19].replace("T", " "))}</td>
<td>{escape((token.expires_at or "never")[:10])}</td>
<td><form method="post" action="/settings/personal-access-tokens/{escape(token.uuid)}/{toggle}" style="display:inline">{_csrf(csrf)}<button type="submit" data-action="{toggle}">{toggle.capitalize()}</button></form>
<form method="post" action="/settings/personal-access-tokens/{escape(token.uuid)}/delete" style="display:inline">{_csrf(csrf)}<button type="submit" data-action="delete">Delete</button></form></td></tr>"""
    return _layout(
        "Personal access tokens",
        user,
        f"""<div class="card"><p class="note">Account settings › Personal access tokens</p>
<h1>Personal access tokens</h1>
<p>Use an access token instead of your password with <code>docker login</code>: it can be limited
to what it needs, given an expiry, deactivated or deleted without changing your password.</p>
<p><a href="/settings/personal-access-tokens/new" id="generate"><button>Generate new token</button></a></p>
<table><tr><th>Description</th><th>Access permissions</th><th>Status</th><th>Created</th>
<th>Last used</th><th>Expires</th><th></th></tr>{rows}</table></div>""",
    )


def new_token(user: str, csrf: str, message: str = "", form: dict | None = None) -> str:
    form = form or {}
    problem = f'<p class="error" data-error>{escape(message)}</p>' if message else ""
    options = "".join(
        f'<option value="{scope}"{" selected" if form.get("permission", "repo:public_read") == scope else ""}>{escape(label)}</option>'
        for scope, label in PERMISSIONS.items()
    )
    expiries = "".join(
        f'<option value="{value}"{" selected" if form.get("expiration", "none") == value else ""}>{label}</option>'
        for value, label in (
            ("none", "None"),
            ("30", "30 days"),
            ("90", "90 days"),
            ("custom", "Custom"),
        )
    )
    return _layout(
        "New access token",
        user,
        f"""<div class="card" style="max-width:34em"><h1>Create access token</h1>{problem}
<form method="post" action="/settings/personal-access-tokens">{_csrf(csrf)}
<label for="description">Access token description</label>
<input id="description" name="description" maxlength="100" value="{escape(form.get("description", ""))}" required>
<label for="expiration">Expiration date</label><select id="expiration" name="expiration">{expiries}</select>
<label for="custom-expiration">Custom: the date and hour it expires (UTC, within a year)</label>
<input id="custom-expiration" name="custom_expiration" type="datetime-local" value="{escape(form.get("custom_expiration", ""))}">
<label for="permission">Access permissions</label><select id="permission" name="permission">{options}</select>
<p class="note">Repo Public Read-only: pull public repositories. Repo Read-only: pull yours too,
private ones included. Repo Read &amp; Write: also push. Repo Read, Write, Delete: also delete.</p>
<p><button type="submit" id="create">Generate</button></p></form></div>""",
    )


def token_created(user: str, token: Token, secret: str, registry: str) -> str:
    return _layout(
        "Copy access token",
        user,
        f"""<div class="card"><h1>Copy access token</h1>
<p>When logging in from your Docker CLI client, use this token as a password.
<b>This access token will only be displayed once: it will not be stored and cannot be retrieved.
Please be sure to save it now.</b></p>
<p>Description: <b>{escape(token.label)}</b> · Access permissions:
<b data-permission="{escape(token.scope)}">{escape(PERMISSIONS[token.scope])}</b> ·
Expires: {escape(token.expires_at or "never")}</p>
<p class="token mono" data-token>{escape(secret)}</p>
<p>To use the access token from your Docker CLI client:</p>
<ol><li>Run <code class="mono">docker login {escape(registry)} -u {escape(user)}</code></li>
<li>At the password prompt, enter the personal access token.</li></ol>
<p class="note">A notebook cell has no password prompt: lesson 02 shows what to do there.</p>
<p><a href="/settings/personal-access-tokens">Back to access tokens</a></p></div>""",
    )
