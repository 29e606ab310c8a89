/* Communication Center, progressive enhancement only: every form works without this file.
 * - the License "Unset → Set" picker over the plain checkbox list;
 * - "Hide closed and rated tickets" applies on change;
 * - HotRush greys out for ticket types that are not tech support (the server refuses anyway). */
(function () {
  "use strict";

  function licensePicker(root) {
    var list = root.querySelector("[data-license-choices]");
    var boxes = Array.prototype.slice.call(list.querySelectorAll("input[type=checkbox]"));
    if (!boxes.length) { return; }
    function labelOf(box) {
      var label = root.querySelector("label[for='" + box.id + "']");
      return label ? label.textContent.trim() : box.value;
    }
    function column(id, title) {
      var col = document.createElement("div");
      col.className = "col";
      var label = document.createElement("label");
      label.className = "form-label small text-muted mb-1";
      label.htmlFor = id;
      label.textContent = title;
      var select = document.createElement("select");
      select.multiple = true;
      select.id = id;
      select.className = "form-select form-select-sm";
      select.setAttribute("size", "6");
      col.appendChild(label);
      col.appendChild(select);
      return { col: col, select: select };
    }
    function button(id, text, title) {
      var b = document.createElement("button");
      b.type = "button";
      b.id = id;
      b.className = "btn btn-sm btn-outline-secondary";
      b.textContent = text;
      b.title = title;
      b.setAttribute("aria-label", title);
      return b;
    }
    var unset = column("license-unset", root.dataset.unsetLabel);
    var set = column("license-set", root.dataset.setLabel);
    var add = button("license-add", "→", root.dataset.setLabel);
    var remove = button("license-remove", "←", root.dataset.unsetLabel);
    var middle = document.createElement("div");
    middle.className = "col-auto d-flex flex-column gap-2 justify-content-center";
    middle.appendChild(add);
    middle.appendChild(remove);
    var row = document.createElement("div");
    row.className = "row g-2 align-items-center";
    row.appendChild(unset.col);
    row.appendChild(middle);
    row.appendChild(set.col);

    function render() {
      [unset.select, set.select].forEach(function (s) { s.innerHTML = ""; });
      boxes.forEach(function (box) {
        var option = new Option(labelOf(box), box.value);
        (box.checked ? set.select : unset.select).appendChild(option);
      });
    }
    function move(from, checked) {
      Array.prototype.forEach.call(from.selectedOptions, function (option) {
        boxes.forEach(function (box) { if (box.value === option.value) { box.checked = checked; } });
      });
      render();
    }
    add.addEventListener("click", function () { move(unset.select, true); });
    remove.addEventListener("click", function () { move(set.select, false); });
    unset.select.addEventListener("dblclick", function () { move(unset.select, true); });
    set.select.addEventListener("dblclick", function () { move(set.select, false); });
    list.hidden = true;
    list.classList.remove("border");
    list.parentNode.insertBefore(row, list);
    render();
  }

  function hotrushFollowsType(box) {
    var supported = (box.dataset.supportChoices || "").split(" ");
    var form = box.form;
    var chooser = form.querySelector("select[name=type], select[name=department]");
    if (!chooser) { return; }
    function update() {
      var offered = supported.indexOf(chooser.value) !== -1 || chooser.value === "";
      box.disabled = !offered;
      if (!offered) { box.checked = false; }
    }
    chooser.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-license-picker]").forEach(licensePicker);
    document.querySelectorAll("input[data-support-choices]").forEach(hotrushFollowsType);
    document.querySelectorAll("input[data-autosubmit]").forEach(function (box) {
      box.addEventListener("change", function () { box.form.submit(); });
    });
    document.querySelectorAll("[data-nojs]").forEach(function (el) { el.hidden = true; });
  });
})();
