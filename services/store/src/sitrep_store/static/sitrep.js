// Progressive touches only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("filters");
  if (!form) return;
  // Submit without the empty fields, so that shared URLs stay short.
  form.addEventListener("submit", () => {
    for (const el of form.querySelectorAll("input, select")) {
      if (el.value === "" && el.name) el.disabled = true;
    }
  });
  for (const box of form.querySelectorAll("fieldset.types input")) {
    box.addEventListener("change", () => form.requestSubmit());
  }
  // Live: count new events from the stream, offer a reload (text only, never HTML).
  if (!window.EventSource) return;
  const total = document.getElementById("total");
  let fresh = 0;
  const note = document.createElement("a");
  note.id = "live";
  note.href = window.location.href;
  note.hidden = true;
  total.parentElement.appendChild(note);
  const source = new EventSource("/v1/stream");
  source.addEventListener("event", () => {
    fresh += 1;
    note.textContent = ` +${fresh} new, reload`;
    note.hidden = false;
  });
});
