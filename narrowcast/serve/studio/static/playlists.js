/* Dragging a playlist's items: on drop the dragged item takes the place of the one it was dropped on,
   and the page's own form is submitted with the new order (the hidden `volgorde` fields inside the
   items move with them). Without this script the buttons Omhoog and Omlaag do the same. */
(function () {
  "use strict";
  var list = document.getElementById("items");
  if (!list || list.children.length < 2) { return; }
  var form = list.closest("form");
  var hint = document.getElementById("drag-hint");
  var dragged = null;
  if (hint) { hint.hidden = false; }

  function itemAt(event) {
    var node = event.target;
    while (node && node !== list) {
      if (node.classList && node.classList.contains("item")) { return node; }
      node = node.parentNode;
    }
    return null;
  }

  function unmark() {
    Array.prototype.forEach.call(list.querySelectorAll(".over"), function (li) { li.classList.remove("over"); });
  }

  list.addEventListener("dragstart", function (event) {
    dragged = itemAt(event);
    if (!dragged) { return; }
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.getAttribute("data-index"));
  });

  list.addEventListener("dragover", function (event) {
    var over = itemAt(event);
    if (!dragged || !over) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!over.classList.contains("over")) { unmark(); if (over !== dragged) { over.classList.add("over"); } }
  });

  list.addEventListener("drop", function (event) {
    var target = itemAt(event);
    if (!dragged || !target) { return; }
    event.preventDefault();
    unmark();
    if (target === dragged) { return; }
    var items = Array.prototype.slice.call(list.children);
    var from = items.indexOf(dragged), to = items.indexOf(target);
    list.insertBefore(dragged, from < to ? target.nextSibling : target);
    dragged.classList.remove("dragging");
    dragged = null;
    list.setAttribute("aria-busy", "true");
    form.submit();
  });

  list.addEventListener("dragend", function () {
    unmark();
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
  });
}());
