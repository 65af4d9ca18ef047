// A "Copy" button: <button data-copy="#element-id"><span>Copy</span></button> copies that element's text.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var text = document.querySelector(button.dataset.copy).textContent.trim();
    var label = button.querySelector("span");
    if (!navigator.clipboard) { label.textContent = "Select and copy"; return; }
    navigator.clipboard.writeText(text).then(
      function () { label.textContent = "Copied"; },
      function () { label.textContent = "Select and copy"; }
    );
  });
});
