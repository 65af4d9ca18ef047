// The audit editor: "use" buttons beside code search and crosswalk results add the code to the cluster builder.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".use-code");
  if (!button) return;
  const form = document.querySelector(".builder-form");
  const codes = form && form.querySelector("textarea[name=codes]");
  if (!codes) return;
  const present = codes.value.split(/[\s,;]+/).filter(Boolean);
  if (!present.includes(button.dataset.code)) {
    codes.value = [...present, button.dataset.code].join("\n");
  }
  const custom = form.querySelector("input[name=kind][value=custom]");
  if (custom) custom.checked = true;
  button.textContent = "added";
  button.disabled = true;
});
