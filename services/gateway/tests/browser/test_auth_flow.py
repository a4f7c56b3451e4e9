"""The account, MFA, sessions, org and audit screens in a real Chromium against the real stack.

One user walks the whole flow in one browser context (the steps depend on each other, and a second TOTP
sign-in would have to wait for a fresh 30 s step): sign up, sign in, turn on TOTP (the secret is read off the
page and the codes computed with pyotp), see the 10 recovery codes, sign out, sign in again through the MFA
step, see the current session, reload (the session comes back from the HttpOnly refresh cookie), create an
org and switch to it, invite someone, and read the audit log. Screenshots of each step go to
``$ADPILOT_BROWSER_ARTIFACTS/test_auth_flow`` (or a pytest temp dir, printed at the end).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Page, expect

from adpilot_common.devstack.launcher import LauncherProcess

pytestmark = pytest.mark.browser

PASSWORD = "plum-orbit-cascade-42"  # long and not among the common passwords the server refuses
NAME = "Erin Endtoend"


@dataclass
class Flow:
    page: Page
    base_url: str
    shots_dir: Path
    email: str = field(default_factory=lambda: f"erin-{uuid.uuid4().hex[:10]}@example.com")
    org_name: str = field(default_factory=lambda: f"Acme {uuid.uuid4().hex[:6]}")
    personal_org: str = f"{NAME}'s workspace"
    totp: pyotp.TOTP | None = None
    shots: list[Path] = field(default_factory=list)

    def shot(self, name: str) -> None:
        path = self.shots_dir / f"{len(self.shots) + 1:02d}-{name}.png"
        self.page.screenshot(path=path, full_page=True)
        self.shots.append(path)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def nav(self, label: str) -> None:
        self.page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()

    def switch_org(self, name: str) -> None:
        self.page.get_by_role("button", name=re.compile(r"^Organisation:")).click()
        self.page.get_by_role("button", name=re.compile(rf"^{re.escape(name)}")).click()
        expect(self.page.get_by_test_id("current-org")).to_have_text(name)

    def audit_actions(self) -> list[str]:
        rows = self.page.get_by_test_id("audit-row")
        return [rows.nth(i).get_attribute("data-action") or "" for i in range(rows.count())]


@pytest.fixture(scope="module")
def flow(open_page: Callable[[], Any], stack: LauncherProcess, artifacts_dir: Path) -> Iterator[Flow]:
    tracked = open_page()  # conftest.TrackedPage: fails at the end on any browser console error
    tracked.page.set_default_timeout(10_000)
    state = Flow(page=tracked.page, base_url=stack.gateway_url, shots_dir=artifacts_dir)
    yield state
    state.shot("final")
    print(f"\nauth flow screenshots: {artifacts_dir}")
    tracked.close()


def sign_in(flow: Flow) -> None:
    page = flow.page
    page.get_by_label("Email").fill(flow.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_sign_up_mfa_sessions_orgs_and_audit(flow: Flow) -> None:
    page = flow.page

    # -- sign up ------------------------------------------------------------------------------------------
    page.goto("/signup")
    expect(page).to_have_title("Create your account · AdPilot")
    page.get_by_label("Email").fill(flow.email)
    page.get_by_label("Name (optional)").fill(NAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("signup-done")).to_contain_text(flow.email)
    flow.shot("signed-up")

    # -- protected routes send a visitor to sign in, and back afterwards ---------------------------------------
    page.goto("/account")
    expect(page).to_have_url(flow.url("/login?next=%2Faccount"))
    sign_in(flow)
    expect(page).to_have_url(flow.url("/account"))
    expect(page.get_by_test_id("current-user")).to_have_text(NAME)
    expect(page.get_by_test_id("current-org")).to_have_text(flow.personal_org)
    expect(page.get_by_test_id("profile-email")).to_have_text(flow.email)
    expect(page.get_by_test_id("mfa-status")).to_have_text("Off")

    # -- turn on TOTP -------------------------------------------------------------------------------------
    mfa = page.get_by_test_id("mfa")
    mfa.get_by_role("button", name="Set up two-factor authentication").click()
    mfa.get_by_label("Password", exact=True).fill(PASSWORD)
    mfa.get_by_role("button", name="Continue").click()
    expect(mfa.get_by_role("img", name="QR code")).to_be_visible()
    secret = mfa.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    flow.totp = pyotp.TOTP(secret)
    flow.shot("mfa-qr")
    mfa.get_by_label("Authentication code").fill(flow.totp.now())
    mfa.get_by_role("button", name="Turn on two-factor authentication").click()
    codes = mfa.get_by_test_id("recovery-codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert all(re.fullmatch(r"[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}", c) for c in codes.all_inner_texts())
    expect(page.get_by_test_id("mfa-status")).to_have_text("On")
    flow.shot("recovery-codes")
    mfa.get_by_role("button", name="I have saved my codes").click()
    expect(mfa.get_by_test_id("recovery-codes")).to_have_count(0)  # shown once

    # -- sign out: the session and its cookies are gone -----------------------------------------------------
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(flow.url("/login"))
    assert "adpilot_csrf" not in {c["name"] for c in page.context.cookies()}
    page.goto("/sessions")
    expect(page).to_have_url(flow.url("/login?next=%2Fsessions"))

    # -- sign in again through the MFA step -----------------------------------------------------------------
    sign_in(flow)
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    expect(page.get_by_label("Authentication code")).to_be_focused()
    page.get_by_role("button", name="Use a recovery code").click()
    expect(page.get_by_label("Recovery code")).to_be_focused()
    page.get_by_role("button", name="Use your authenticator app instead").click()
    flow.shot("mfa-challenge")
    # The code of the current step was spent confirming the enrolment: use the next step's (look-ahead).
    page.get_by_label("Authentication code").fill(flow.totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(flow.url("/sessions"))

    # -- sessions: the current one, marked ----------------------------------------------------------------
    current = page.get_by_test_id("session-current")
    expect(current).to_contain_text("This device")
    expect(current).to_contain_text("127.0.0.1")
    expect(current).to_contain_text("Chrome")
    expect(page.get_by_test_id("session")).to_have_count(0)  # the first session ended at sign-out
    flow.shot("sessions")

    # -- the access token is in memory only; a reload restores the session from the refresh cookie -----------
    storage = page.evaluate("() => [Object.keys(localStorage).length, Object.keys(sessionStorage).length]")
    assert storage == [0, 0]
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["adpilot_refresh"]["httpOnly"] is True
    assert cookies["adpilot_csrf"]["httpOnly"] is False
    with page.expect_response(lambda r: r.url.endswith("/api/auth/refresh")) as refreshed:
        page.reload()
    assert refreshed.value.status == 200
    expect(page).to_have_url(flow.url("/sessions"))
    expect(page.get_by_test_id("session-current")).to_contain_text("This device")
    expect(page.get_by_test_id("current-user")).to_have_text(NAME)

    # -- create an org and switch to it in the header ---------------------------------------------------------
    flow.nav("Organisations")
    page.get_by_label("Organisation name").fill(flow.org_name)
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_test_id("org-created")).to_contain_text(flow.org_name)
    expect(page.get_by_test_id("org-row")).to_have_count(2)
    flow.switch_org(flow.org_name)
    expect(page.get_by_test_id("org-row").filter(has_text=flow.org_name)).to_contain_text("Active")
    flow.shot("org-switched")

    # -- members: me as owner; invite someone and see the pending invitation ----------------------------------
    flow.nav("Members")
    expect(page.get_by_test_id("members-org")).to_have_text(flow.org_name)
    me = page.get_by_test_id("member-row").filter(has_text=flow.email)
    expect(me).to_contain_text("owner")
    expect(me).to_contain_text("You")
    invitee = f"teammate-{uuid.uuid4().hex[:8]}@example.com"
    invite = page.get_by_role("form", name="Invite a member")
    invite.get_by_label("Email").fill(invitee)
    invite.get_by_label("Role").select_option("admin")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_test_id("invitation-sent")).to_contain_text(invitee)
    pending = page.get_by_test_id("invitation-row").filter(has_text=invitee)
    expect(pending).to_contain_text("admin")
    expect(pending.get_by_role("button", name=f"Revoke the invitation for {invitee}")).to_be_visible()
    flow.shot("members")

    # -- audit log of the new org ----------------------------------------------------------------------------
    flow.nav("Audit log")
    rows = page.get_by_test_id("audit-row")
    expect(rows.first).to_be_visible()
    assert flow.audit_actions() == ["invitation.created", "org.created"]

    # -- a reload keeps the switched org (the session remembers it) -------------------------------------------
    page.reload()
    expect(page.get_by_test_id("current-org")).to_have_text(flow.org_name)
    expect(rows).to_have_count(2)

    # -- audit log of the personal workspace: both sign-ins, the second one through TOTP -----------------------
    flow.switch_org(flow.personal_org)
    logins = page.locator("[data-testid='audit-row'][data-action='login.succeeded']")
    expect(logins).to_have_count(2)
    expect(logins.first).to_contain_text("method: totp")  # newest first
    expect(logins.last).to_contain_text("method: password")
    expect(logins.first).to_contain_text(flow.email)  # actor resolved to the member's email
    page.get_by_label("Action (or prefix)").fill("login.")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page).to_have_url(flow.url("/audit?action=login."))
    expect(logins).to_have_count(2)
    expect(page.locator("[data-testid='audit-row']:not([data-action^='login.'])")).to_have_count(0)
    flow.shot("audit-log")


def test_the_audit_log_lists_mfa_enabled(flow: Flow) -> None:
    page = flow.page
    page.goto("/audit?action=mfa.")
    expect(page.get_by_test_id("current-org")).to_have_text(flow.personal_org)
    expect(page.locator("[data-testid='audit-row'][data-action='mfa.enabled']")).to_have_count(
        1, timeout=3_000
    )
