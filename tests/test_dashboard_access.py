"""Who may change what (issue 12, build 4): hashed credentials, the CLI that writes them, and the dashboard's
viewers (no upload, no save) and editors (both), under AppTest."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from dashboard_helpers import ROOT, app, metrics, plain, visit

from dashboard import access, auth
from dashboard.i18n import t

EDITOR_PW, VIEWER_PW = "correct horse battery", "viewer password 1"


def _users(path, anonymous: str = "viewer", alice_role: str = "editor"):
    config = auth.AuthConfig(path, anonymous, {
        "alice": auth.User("alice", alice_role, auth.hash_password(EDITOR_PW)),
        "bob": auth.User("bob", "viewer", auth.hash_password(VIEWER_PW)),
    })
    path.write_text(auth.dumps(config), encoding="utf-8")
    return path


@pytest.fixture
def users(tmp_path, monkeypatch):
    path = _users(tmp_path / "users.toml")
    monkeypatch.setenv(auth.ENV, str(path))
    monkeypatch.setenv("HUKOU_SIM_SAVED_SCHEMES", str(tmp_path / "saved"))
    access._failures.clear()
    return path


def _sign_in(at, name: str, password: str):
    at.text_input(key="auth_name_input").set_value(name)
    at.text_input(key="auth_password_input").set_value(password)
    labels = {t("auth_sign_in", "en"), t("auth_sign_in", "zh")}
    next(b for b in at.button if b.label in labels).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _can_upload(at) -> bool:
    return any(u.key in ("pop_upload", "scheme_upload") for u in at.file_uploader)


# -- hashing and the file ------------------------------------------------------------------------------------------
def test_hashes_are_salted_and_verified_in_constant_time_form():
    one, two = auth.hash_password(EDITOR_PW), auth.hash_password(EDITOR_PW)
    assert one != two and EDITOR_PW not in one and one.startswith("scrypt$")
    assert auth.verify_password(EDITOR_PW, one) and auth.verify_password(EDITOR_PW, two)
    assert not auth.verify_password(EDITOR_PW + "x", one) and not auth.verify_password("", one)
    assert not auth.verify_password(EDITOR_PW, "scrypt$1$1$1$00$00")  # weak or malformed parameters refused
    assert not auth.verify_password(EDITOR_PW, "plain")


def test_a_plain_text_password_in_the_file_is_refused(tmp_path):
    path = tmp_path / "users.toml"
    path.write_text('[users.carol]\nrole = "editor"\npassword = "hunter2"\n', encoding="utf-8")
    with pytest.raises(auth.AuthConfigError, match="hash"):
        auth.load(path)
    path.write_text('[settings]\nanonymous = "everyone"\n', encoding="utf-8")
    with pytest.raises(auth.AuthConfigError, match="anonymous"):
        auth.load(path)


def test_cli_adds_and_removes_users_and_refuses_mistakes(tmp_path, monkeypatch, capsys):
    path = tmp_path / "users.toml"
    monkeypatch.setattr(sys, "stdin", io.StringIO(EDITOR_PW + "\n"))
    assert auth.main(["add", "alice", "--role", "editor", "--file", str(path), "--password-stdin"]) == 0
    assert EDITOR_PW not in path.read_text(encoding="utf-8")
    config = auth.load(path)
    assert auth.check(config, "alice", EDITOR_PW).role == "editor"
    assert auth.check(config, "alice", "wrong password") is None and auth.check(config, "nobody", EDITOR_PW) is None
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert auth.main(["add", "bob", "--role", "viewer", "--file", str(path), "--password-stdin"]) == 2
    monkeypatch.setattr(sys, "stdin", io.StringIO(VIEWER_PW + "\n"))
    assert auth.main(["add", "bad name!", "--role", "viewer", "--file", str(path), "--password-stdin"]) == 2
    assert auth.main(["remove", "nobody", "--file", str(path)]) == 2
    assert auth.main(["remove", "alice", "--file", str(path)]) == 0
    assert auth.load(path).users == {}
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("error: ") for line in err)


def test_cli_as_a_module_exits_2_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dashboard.auth", "add", "x", "--role", "editor", "--file",
                           str(tmp_path / "u.toml"), "--password-stdin"], input="short\n", capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


# -- the dashboard ---------------------------------------------------------------------------------------------------
def test_without_the_setting_a_local_run_can_upload_and_save(monkeypatch):
    monkeypatch.delenv(auth.ENV, raising=False)
    at = app("scheme", "en", open_save=True)  # the save section is drawn when opened (dashboard/lazy.py)
    assert _can_upload(at) and at.button(key="save_scheme")
    assert not any(b.label == t("auth_sign_in", "en") for b in at.button)


def test_viewers_cannot_upload_or_save_and_editors_can(users):
    at = app("data", "en", open_save=True)  # the save section opened: its button shows wherever it is drawn
    assert not _can_upload(at) and any(t("auth_editors_only", "en") in plain(i.value) for i in at.info)
    visit(at, "scheme")
    assert not _can_upload(at) and not [b for b in at.button if b.key == "save_scheme"]
    assert metrics(at)["admitted"]  # viewers still read everything

    _sign_in(at, "bob", VIEWER_PW)  # a named viewer: still read-only
    assert at.session_state["auth_user"] == "bob"
    assert not _can_upload(at) and not [b for b in at.button if b.key == "save_scheme"]
    at.button(key="auth_sign_out").click().run()

    _sign_in(at, "alice", EDITOR_PW)
    assert at.session_state["auth_user"] == "alice"
    assert _can_upload(at) and at.button(key="save_scheme")
    visit(at, "data")
    assert _can_upload(at)
    assert any("alice" in plain(c.value) for c in at.sidebar.caption)

    at.button(key="auth_sign_out").click().run()
    assert not _can_upload(at) and "auth_user" not in at.session_state


def test_wrong_passwords_are_refused_and_a_name_is_locked_after_five(users):
    at = app("overview", "zh")
    _sign_in(at, "alice", "not the password")
    assert "auth_user" not in at.session_state
    assert any(e.value == t("auth_failed", "zh") for e in at.error)
    for _ in range(4):
        _sign_in(at, "alice", "still wrong")
    fresh = app("overview", "zh")  # a new session does not reset the count
    _sign_in(fresh, "alice", EDITOR_PW)
    assert "auth_user" not in fresh.session_state
    assert any("分钟后再试" in e.value for e in fresh.error)


def test_a_demoted_editor_loses_editing_at_the_next_click(users):
    at = app("data", "en")
    _sign_in(at, "alice", EDITOR_PW)
    assert _can_upload(at)
    _users(users, alice_role="viewer")
    at.run()
    assert not _can_upload(at)


def test_visitors_must_sign_in_when_the_deployment_says_so(tmp_path, monkeypatch):
    path = _users(tmp_path / "users.toml", anonymous="none")
    monkeypatch.setenv(auth.ENV, str(path))
    access._failures.clear()
    at = app("overview", "en")
    assert not at.exception
    assert not at.metric and any(t("auth_required", "en") in i.value for i in at.info)
    _sign_in(at, "bob", VIEWER_PW)
    assert metrics(at)["admitted"] and not _can_upload(at)


def test_a_broken_access_file_turns_editing_off(tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    path.write_text('[users.carol]\nrole = "editor"\npassword = "hunter2"\n', encoding="utf-8")
    monkeypatch.setenv(auth.ENV, str(path))
    at = app("data", "en")
    assert not at.exception and not _can_upload(at)
    assert any("cannot be used" in plain(e.value) for e in at.sidebar.error)
    assert "hunter2" not in " ".join(plain(e.value) for e in at.sidebar.error)
