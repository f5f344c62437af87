// The label editor's drag to reorder: each moved label's new `order` goes to PATCH /api/labels/{id}/.
import { request } from "./http.js";

const data = JSON.parse(document.getElementById("labels-data").textContent);
const body = document.querySelector("#label-table tbody");
const status = document.getElementById("order-status");
let dragged = null;

body.addEventListener("dragstart", (event) => {
  dragged = event.target.closest("tr.label-row");
  if (dragged) event.dataTransfer.effectAllowed = "move";
});

body.addEventListener("dragover", (event) => {
  const over = event.target.closest("tr.label-row");
  if (!dragged || !over || over === dragged) return;
  event.preventDefault();
  const { top, height } = over.getBoundingClientRect();
  over.parentNode.insertBefore(dragged, event.clientY < top + height / 2 ? over : over.nextSibling);
});

body.addEventListener("drop", (event) => event.preventDefault());

body.addEventListener("dragend", async () => {
  dragged = null;
  const rows = [...body.querySelectorAll("tr.label-row")];
  try {
    // Every label gets its position: orders stay distinct whatever they were before.
    for (const [index, row] of rows.entries()) {
      await request("PATCH", data.label.replace("/0/", `/${row.dataset.id}/`), { order: index });
    }
    status.textContent = data.saved;
  } catch (error) {
    status.textContent = `${data.failed} ${error.message}`;
  }
});
