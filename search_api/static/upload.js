// The upload page's drop zone: files dropped on it go into the form's file input (the form
// itself is a plain multipart post, so the page also works without this script).
(function () {
  "use strict";
  var zone = document.getElementById("drop-zone");
  var input = document.getElementById("upload-files");
  var picked = document.getElementById("picked");
  if (!zone || !input) return;

  function show() {
    var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
    picked.textContent = names.length ? "已选择 " + names.length + " 个文件：" + names.join("、") : "";
  }
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      show();
    }
  });
  input.addEventListener("change", show);
  var form = document.getElementById("upload-form");
  form.addEventListener("submit", function () {
    var button = document.getElementById("upload-submit");
    button.disabled = true;
    button.textContent = "正在上传并解析…";
  });
})();
