// A searchable multi-select over many regions: a filter box above a list of checkboxes, the chosen ones shown as
// chips that remove them. Markup: [data-region-picker] holding [data-picker-filter], [data-picker-chosen],
// [data-picker-count] and label[data-picker-option] > input[type=checkbox][data-label]. Works again after an
// htmx swap (the list is redrawn when the region set changes); without JavaScript it is a plain checkbox list.
(function () {
  function refresh(picker) {
    var boxes = Array.prototype.filter.call(picker.querySelectorAll("input[type=checkbox]"), function (box) {
      return box.checked;
    });
    picker.querySelector("[data-picker-count]").textContent = boxes.length;
    picker.querySelector("[data-picker-chosen]").replaceChildren.apply(
      picker.querySelector("[data-picker-chosen]"),
      boxes.map(function (box) {
        var chip = document.createElement("button");
        chip.type = "button";
        chip.className = "btn btn-sm picker-chip";
        chip.setAttribute("aria-label", "Remove " + box.dataset.label);
        chip.textContent = box.dataset.label + " ";
        var cross = document.createElement("i");
        cross.className = "bi bi-x";
        cross.setAttribute("aria-hidden", "true");
        chip.appendChild(cross);
        chip.addEventListener("click", function () {
          box.checked = false;
          refresh(picker);
        });
        return chip;
      })
    );
  }

  function filter(input) {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var picker = input.closest("[data-region-picker]");
    var shown = 0;
    picker.querySelectorAll("[data-picker-option]").forEach(function (option) {
      var text = option.textContent.toLowerCase();
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      option.hidden = !match;
      if (match) shown += 1;
    });
    picker.querySelector("[data-picker-none]").hidden = shown > 0;
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-picker-filter]")) filter(event.target);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-picker-filter]")) event.preventDefault();
  });
  document.addEventListener("change", function (event) {
    var picker = event.target.closest("[data-region-picker]");
    if (picker && event.target.type === "checkbox") refresh(picker);
  });
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    if (root.matches && root.matches("[data-region-picker]")) refresh(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-region-picker]").forEach(refresh);
  });
  document.querySelectorAll("[data-region-picker]").forEach(refresh);
})();
