#!/usr/bin/env python3
"""Opens a built Assay site in real headless Chromium (selenium with Debian's
chromium and chromium-driver) and checks it as a visitor would:

- each page named in the expectations loads, shows every expected text, and
  has no serious or critical axe-core violation (axe-selenium-python bundles
  axe-core); a screenshot of each is saved;
- no script from data ran (no alert, no `window.__assay_xss`);
- verify.html, with WebCrypto Ed25519, reports the expected outcome.

    browser_check.py --url http://127.0.0.1:PORT --expect expect.json --screenshots DIR

expect.json: {"pages": {"index.html": ["text", ...], ...}, "verify": "ok" | "failed" | null,
              "light_and_dark": true,
              "calendars": {"orchestrators/X.html": {"2026-01-05": "not-judged", ...}}}

"calendars" checks an orchestrator page's SLO calendar cell by cell, as drawn:
each named day's cell has the class given (met, missed, not-judged, none), a
cell that is not "missed" never shows the ✗ mark, and a not-judged cell says
"not judged" and why in its text.
Prints one line per check and exits 1 if any failed.
"""

import argparse
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service


def browser(dark=False):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1600",
                 "--force-color-profile=srgb"):
        options.add_argument(flag)
    if dark:
        options.add_argument("--force-dark-mode")
        options.add_argument("--blink-settings=preferredColorScheme=0")
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    # The site's Content-Security-Policy allows only its own scripts; axe-core is injected by the test, so let it in.
    driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    driver.set_script_timeout(120)
    return driver


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--expect", required=True)
    parser.add_argument("--screenshots", required=True)
    args = parser.parse_args(argv)
    with open(args.expect) as handle:
        expect = json.load(handle)
    os.makedirs(args.screenshots, exist_ok=True)
    from axe_selenium_python import Axe

    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    schemes = [False, True] if expect.get("light_and_dark") else [False]
    for dark in schemes:
        driver = browser(dark)
        try:
            for page, texts in expect["pages"].items():
                driver.get(args.url.rstrip("/") + "/" + page)
                body = driver.find_element("tag name", "body").text
                for text in texts:
                    check(text in body, "%s%s shows %r" % (page, " (dark)" if dark else "", text))
                try:
                    driver.switch_to.alert
                    check(False, "%s: no alert (a script from data ran)" % page)
                except NoAlertPresentException:
                    check(True, "%s: no script from data ran" % page)
                check(driver.execute_script("return window.__assay_xss === undefined"), "%s: window.__assay_xss untouched" % page)
                name = page.replace("/", "_").replace(".html", "") + ("-dark" if dark else "") + ".png"
                driver.save_screenshot(os.path.join(args.screenshots, name))
                Axe(driver).inject()
                # Every rule of the bundled axe-core (WCAG 2.0/2.1 A and AA, and best practices); errors come back, never hang.
                results = driver.execute_async_script(
                    "var done = arguments[arguments.length - 1];"
                    "axe.run().then(function (r) { done({version: axe.version, violations: r.violations}); })"
                    ".catch(function (e) { done({error: String(e)}); });")
                check("error" not in results, "%s: axe-core %s ran%s" % (page, results.get("version", "?"), ": " + results.get("error", "") if "error" in results else ""))
                bad = [v for v in results.get("violations", []) if v.get("impact") in ("serious", "critical")]
                check(not bad, "%s%s: no serious or critical axe-core violations%s" % (
                    page, " (dark)" if dark else "",
                    "" if not bad else ": " + "; ".join("%s (%s) at %s" % (v["id"], v["impact"], v["nodes"][0]["target"]) for v in bad)))
            for page, cells in (expect.get("calendars") or {}).items():
                if dark:
                    break
                driver.get(args.url.rstrip("/") + "/" + page)
                shown = {}
                for item in driver.find_elements("css selector", "ol.calendar li"):
                    title = item.get_attribute("title") or ""
                    mark = item.find_element("css selector", ".mark").get_attribute("textContent")
                    text = item.find_element("css selector", ".visually-hidden").get_attribute("textContent")
                    shown[title.split(":")[0]] = (item.get_attribute("class"), mark, text)
                for day, state in sorted(cells.items()):
                    cell = shown.get(day)
                    check(cell is not None and cell[0] == state, "%s: the calendar cell of %s is %r (expected %r)" % (page, day, cell and cell[0], state))
                    if cell is None:
                        continue
                    if state != "missed":
                        check(cell[1] != "\u2717", "%s: %s (%s) shows no \u2717" % (page, day, state))
                    if state == "not-judged":
                        check("not judged: " in cell[2], "%s: %s says why it was not judged: %r" % (page, day, cell[2]))
            if expect.get("verify") and not dark:
                driver.get("about:blank")  # a fresh load, not a same-page fragment change
                driver.get(args.url.rstrip("/") + "/verify.html#run")
                deadline = time.time() + 60
                state = None
                while time.time() < deadline:
                    state = driver.execute_script("return document.body.dataset.verify || null")
                    if state:
                        break
                    time.sleep(0.2)
                summary = driver.find_element("id", "verify-summary").text
                check(state == expect["verify"], "verify.html reports %r (expected %r): %s" % (state, expect["verify"], summary))
                driver.save_screenshot(os.path.join(args.screenshots, "verify.png"))
        finally:
            driver.quit()
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
