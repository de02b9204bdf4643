"use strict";
(() => {
  const search = document.getElementById("search");
  const shown = document.getElementById("shown");
  const events = Array.from(document.querySelectorAll("article.event"));
  const filter = () => {
    const query = search.value.trim().toLowerCase();
    let visible = 0;
    for (const event of events) {
      const match = query === "" || event.dataset.search.includes(query);
      event.hidden = !match;
      if (match) visible++;
      for (const row of event.querySelectorAll("table.properties tbody tr:not(.group)")) {
        const name = row.cells[0].textContent.toLowerCase();
        row.classList.toggle("match", query !== "" && name.includes(query));
      }
    }
    shown.textContent = `${visible} of ${events.length} events shown`;
  };
  search.addEventListener("input", filter);
  search.addEventListener("keydown", (key) => {
    if (key.key === "Escape") { search.value = ""; filter(); }
  });
  document.addEventListener("keydown", (key) => {
    if (key.key === "/" && document.activeElement !== search) { key.preventDefault(); search.focus(); }
  });
  // A copy button copies the query beside it, or a property's query composed from its view
  // column and the view its table names for the engine.
  const queryOf = (button) => {
    if (button.dataset.engine) {
      const row = button.closest("tr");
      const view = row.closest("table").dataset[button.dataset.engine];
      return `SELECT ${row.querySelector("td.column").textContent} FROM ${view}`;
    }
    return button.previousElementSibling.textContent;
  };
  document.addEventListener("click", async (click) => {
    const button = click.target.closest(".copy button, button[data-engine]");
    if (!button) return;
    const label = button.textContent;
    const query = queryOf(button);
    try {
      await navigator.clipboard.writeText(query);
      button.textContent = "Copied";
    } catch {
      // No clipboard (a page from a file in some browsers): show the query, selected.
      window.prompt("Copy the query", query);
    }
    setTimeout(() => { button.textContent = label; }, 1500);
  });
  if (search.value) filter();
})();
