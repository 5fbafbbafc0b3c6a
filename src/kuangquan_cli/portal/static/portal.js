// kq 台账报送门户：拖放上传、上传进度、报送情况自动刷新。没有脚本时各表单照常提交。
"use strict";

function chosen(form) {
  var input = form.querySelector("input[type=file]");
  var label = form.querySelector(".chosen");
  if (label && input.files.length) {
    label.textContent = "已选择：" + input.files[0].name;
    label.classList.remove("bad");
  }
}

function tooLarge(form) {
  // the server refuses it before reading it (413); say so here, without sending it
  var input = form.querySelector("input[type=file]");
  var limit = parseFloat(input.getAttribute("data-max-mb"));
  if (!input.files.length || !(input.files[0].size > limit * 1024 * 1024)) { return false; }
  var label = form.querySelector(".chosen");
  label.textContent = "文件超过 " + limit + " MB 的上限，不能上传：" + input.files[0].name;
  label.classList.add("bad");
  return true;
}

function send(form) {
  if (tooLarge(form)) { return; }
  var button = form.querySelector("button");
  var bar = form.querySelector("progress");
  var request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.upload.addEventListener("progress", function (event) {
    if (event.lengthComputable) { bar.value = Math.round(event.loaded * 100 / event.total); }
  });
  request.addEventListener("load", function () {
    if (request.status < 400) {
      // on to the page the server sent us to (XHR drops the fragment: put it back)
      window.location.assign(request.responseURL + (form.action.indexOf("/scan") >= 0 ? "#scans" : "#result"));
      return;
    }
    document.open();
    document.write(request.responseText);  // the refusal, as the server worded it
    document.close();
  });
  request.addEventListener("error", function () {
    button.disabled = false;
    bar.hidden = true;
    window.alert("上传失败：网络中断或服务器未响应，请重试");
  });
  button.disabled = true;
  bar.hidden = false;
  bar.value = 0;
  request.send(new FormData(form));
}

function prepare(form) {
  var drop = form.querySelector(".drop");
  var input = form.querySelector("input[type=file]");
  input.addEventListener("change", function () { chosen(form); });
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      chosen(form);
      send(form);
    }
  });
  form.addEventListener("submit", function (event) {
    if (window.FormData && window.XMLHttpRequest) {
      event.preventDefault();
      send(form);
    }
  });
}

function refresh(section) {
  var seconds = parseInt(section.getAttribute("data-refresh"), 10);
  window.setInterval(function () {
    var request = new XMLHttpRequest();
    request.open("GET", "/");
    request.responseType = "document";
    request.addEventListener("load", function () {
      var fresh = request.status === 200 && request.response && request.response.getElementById(section.id);
      if (fresh) { section.innerHTML = fresh.innerHTML; }
    });
    request.send();
  }, seconds * 1000);
}

document.addEventListener("DOMContentLoaded", function () {
  Array.prototype.forEach.call(document.querySelectorAll("form.upload"), prepare);
  var status = document.querySelector("[data-refresh]");
  if (status) { refresh(status); }
});
