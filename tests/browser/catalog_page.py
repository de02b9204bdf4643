"""Opens a catalog page (glueprint docs) from a file in headless Chromium and reports, as JSON
on standard output, what a reader would see: every request the page made, console errors, the
events and their properties as the DOM holds them, what each search leaves shown, the time to
load, and a screenshot.

Reads a JSON object from standard input:
  {"page": path, "screenshot": path, "searches": [text, ...],
   "chromium": path, "chromedriver": path}
"""

import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

READ_DOM = """
const text = (node) => node ? node.textContent.trim() : null;
return Array.from(document.querySelectorAll("article.event")).map((event) => ({
  id: event.id,
  name: text(event.querySelector("h3 a")),
  hidden: event.hidden,
  badges: Array.from(event.querySelectorAll(".badges .badge")).map(text),
  freshness: text(event.querySelector(".badges time")),
  onboard: text(event.querySelector(".onboard .query")),
  properties: (() => {
    // A group row names the union-map column of the rows below it.
    let column = null;
    const found = [];
    for (const row of event.querySelectorAll("table.properties tbody tr")) {
      if (row.classList.contains("group")) { column = text(row); continue; }
      const headers = Array.from(row.closest("table").querySelectorAll("thead th")).map(text);
      const cell = (header) => headers.includes(header) ? text(row.cells[headers.indexOf(header)]) : null;
      found.push({property: `${column}.${cell("Property")}`, type: cell("Type"),
                  branches: cell("Branches seen"), column: cell("View column")});
    }
    return found;
  })(),
  charts: event.querySelectorAll("figure.chart svg").length,
}));
"""


def main():
    spec = json.load(sys.stdin)
    options = webdriver.ChromeOptions()
    options.binary_location = spec["chromium"]
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--window-size=1280,900"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(spec["chromedriver"]))
    try:
        url = "file://" + spec["page"]
        driver.get(url)
        timing = driver.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "return {load: n.loadEventEnd, dom: n.domContentLoadedEventEnd};"
        )
        requests, failed = [], []
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                requests.append(message["params"]["request"]["url"])
            elif message["method"] == "Network.loadingFailed":
                failed.append(message["params"].get("errorText", "failed"))
        console = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        report = {
            "requests": requests,
            "failed": failed,
            "console_errors": console,
            "load_ms": timing["load"],
            "dom_ms": timing["dom"],
            "events": driver.execute_script(READ_DOM),
            "searches": {},
        }
        search = driver.find_element(By.ID, "search")
        for text in spec["searches"]:
            search.send_keys(Keys.CONTROL, "a")
            search.send_keys(Keys.DELETE)
            search.send_keys(text)
            shown = driver.execute_script(
                "return Array.from(document.querySelectorAll('article.event'))"
                ".filter((e) => !e.hidden).map((e) => e.id);"
            )
            report["searches"][text] = {
                "shown": shown,
                "status": driver.find_element(By.ID, "shown").text,
            }
        # Escape clears the search, from the keyboard.
        search.send_keys(Keys.ESCAPE)
        report["after_escape"] = driver.execute_script(
            "return document.querySelectorAll('article.event:not([hidden])').length;"
        )
        driver.save_screenshot(spec["screenshot"])
        print(json.dumps(report))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
