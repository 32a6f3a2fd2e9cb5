// The body editor's pictures come from the library. The editor's image button opens a
// picker (search the library, or upload a new picture; alt text is required), and a
// picture dropped or pasted into the text is uploaded into the library through the same
// sanitising path as the library's own form, then inserted. The text keeps the
// picture's library address, which reader pages serve as a <picture> of its renditions.
// Renditions are made by a background task: until they exist, a progress line under the
// editor says so.
//
// Loaded by images.admin.picker_script(), whose tag carries the picker's address.
(function () {
  "use strict";

  var script = document.currentScript;
  var pickerUrl = script && script.dataset.pickerUrl;
  if (!pickerUrl) return;

  var POLL_MS = 1500;
  var dialog = null;
  var state = { editor: null, position: null, file: null, chosen: null, uploadUrl: null };

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") node.textContent = attributes[name];
      else node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(child);
    });
    return node;
  }

  function buildDialog() {
    dialog = element("dialog", { class: "image-picker", "aria-labelledby": "image-picker-title" });
    dialog.innerHTML =
      '<h2 id="image-picker-title">Insert a picture</h2>' +
      '<div class="image-picker__search" role="search">' +
      '<label for="image-picker-q">Search the library</label> ' +
      '<input type="search" id="image-picker-q" autocomplete="off">' +
      "</div>" +
      '<ul class="image-picker__results" aria-label="Pictures in the library"></ul>' +
      '<form class="image-picker__chosen" hidden>' +
      '<p class="image-picker__chosen-title"></p>' +
      '<label for="image-picker-alt">Alt text (required): what the picture shows</label>' +
      '<input type="text" id="image-picker-alt" maxlength="250">' +
      '<button type="submit" class="button default">Insert this picture</button>' +
      "</form>" +
      '<form class="image-picker__upload">' +
      "<h3>Upload a new picture</h3>" +
      '<p class="image-picker__dropped" hidden></p>' +
      '<label for="image-picker-file">Picture file</label> ' +
      '<input type="file" id="image-picker-file" accept="image/*">' +
      '<label for="image-picker-upload-alt">Alt text (required): what the picture shows</label>' +
      '<input type="text" id="image-picker-upload-alt" maxlength="250">' +
      '<button type="submit" class="button default">Upload and insert</button>' +
      "</form>" +
      '<p class="image-picker__message" role="alert"></p>' +
      '<button type="button" class="button image-picker__close">Cancel</button>';
    document.body.appendChild(dialog);

    var search = dialog.querySelector("#image-picker-q");
    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        load(search.value);
      }, 250);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); // not the article's form
    });
    dialog.querySelector(".image-picker__chosen").addEventListener("submit", function (event) {
      event.preventDefault();
      var alt = dialog.querySelector("#image-picker-alt").value.trim();
      if (!alt) return say("Write the alt text: what the picture shows, for readers who cannot see it.");
      insert(state.chosen, alt);
    });
    dialog.querySelector(".image-picker__upload").addEventListener("submit", function (event) {
      event.preventDefault();
      upload();
    });
    dialog.querySelector(".image-picker__close").addEventListener("click", close);
    dialog.addEventListener("close", function () {
      if (state.editor) state.editor.commands.focus();
    });
  }

  function say(text) {
    dialog.querySelector(".image-picker__message").textContent = text;
  }

  function open(editor, position, file) {
    if (!dialog) buildDialog();
    state.editor = editor;
    state.position = position;
    state.file = file || null;
    state.chosen = null;
    say("");
    dialog.querySelector(".image-picker__chosen").hidden = true;
    dialog.querySelector("#image-picker-file").value = "";
    dialog.querySelector("#image-picker-upload-alt").value = "";
    var dropped = dialog.querySelector(".image-picker__dropped");
    dropped.hidden = !file;
    dropped.textContent = file ? "The picture you dropped: " + (file.name || "pasted picture") : "";
    dialog.querySelector("#image-picker-file").hidden = !!file;
    dialog.querySelector('label[for="image-picker-file"]').hidden = !!file;
    dialog.showModal();
    if (file) {
      dialog.querySelector("#image-picker-upload-alt").focus();
    } else {
      dialog.querySelector("#image-picker-q").focus();
      load("");
    }
  }

  function close() {
    if (dialog && dialog.open) dialog.close();
  }

  function load(query) {
    fetch(pickerUrl + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error("The library answered " + response.status + ".");
        return response.json();
      })
      .then(function (data) {
        state.uploadUrl = data.upload;
        dialog.querySelector(".image-picker__upload").hidden = !data.can_upload;
        show(data.results, query);
      })
      .catch(function (error) {
        say("The library could not be searched: " + error.message);
      });
  }

  function show(results, query) {
    var list = dialog.querySelector(".image-picker__results");
    list.textContent = "";
    if (!results.length) {
      list.appendChild(element("li", { text: query ? "No picture matches “" + query + "”." : "The library is empty." }));
      return;
    }
    results.forEach(function (picture) {
      var thumb = element("img", {
        src: picture.thumb[0],
        width: picture.thumb[1],
        height: picture.thumb[2],
        alt: "",
      });
      var button = element("button", { type: "button", class: "image-picker__choice" }, [
        thumb,
        element("span", { text: picture.title }),
      ]);
      button.addEventListener("click", function () {
        choose(picture);
      });
      list.appendChild(element("li", {}, [button]));
    });
  }

  function choose(picture) {
    state.chosen = picture;
    var chosen = dialog.querySelector(".image-picker__chosen");
    chosen.hidden = false;
    chosen.querySelector(".image-picker__chosen-title").textContent = "Chosen: " + picture.title;
    var alt = chosen.querySelector("#image-picker-alt");
    alt.value = picture.alt;
    alt.focus();
  }

  function upload() {
    var file = state.file || dialog.querySelector("#image-picker-file").files[0];
    var alt = dialog.querySelector("#image-picker-upload-alt").value.trim();
    if (!file) return say("Choose a picture file to upload.");
    if (!alt) return say("Write the alt text: what the picture shows, for readers who cannot see it.");
    var body = new FormData();
    body.append("file", file, file.name || "pasted-picture");
    body.append("alt", alt);
    say("Uploading…");
    fetch(state.uploadUrl || pickerUrl + "upload/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: body,
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (answer) {
        if (!answer.ok) {
          var errors = answer.data.errors || {};
          var messages = [];
          Object.keys(errors).forEach(function (field) {
            errors[field].forEach(function (error) {
              messages.push(error.message);
            });
          });
          return say(messages.join(" ") || "The picture could not be uploaded.");
        }
        insert(answer.data, alt);
      })
      .catch(function () {
        say("The picture could not be uploaded: the server did not answer. Try again.");
      });
  }

  function insert(picture, alt) {
    var editor = state.editor;
    var figure = { type: "figure", content: [{ type: "image", attrs: { src: picture.src, alt: alt } }] };
    var chain = editor.chain().focus();
    if (state.position === null) chain.insertContent(figure).run();
    else chain.insertContentAt(state.position, figure).run();
    close();
    if (!picture.ready) track(editor, picture);
  }

  // The progress line under the editor until the picture's renditions exist.
  function track(editor, picture) {
    var holder = editor.options.element.closest(".prose-editor") || editor.options.element;
    var line = element("div", { class: "image-picker-progress", role: "status" }, [
      element("progress", { "aria-label": "Sizes of “" + picture.title + "” being made" }),
      element("span", { text: " Making the sizes of “" + picture.title + "” for readers…" }),
    ]);
    holder.insertAdjacentElement("afterend", line);
    function ask() {
      fetch(picture.status, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { ready: false };
        })
        .catch(function () {
          return { ready: false };
        })
        .then(function (data) {
          if (!data.ready) return setTimeout(ask, POLL_MS);
          line.textContent = "“" + picture.title + "” is ready in every size.";
          line.classList.add("image-picker-progress--done");
        });
    }
    setTimeout(ask, POLL_MS);
  }

  function pictureFile(transfer) {
    var files = (transfer && transfer.files) || [];
    for (var i = 0; i < files.length; i++) {
      if (files[i].type.indexOf("image/") === 0) return files[i];
    }
    return null;
  }

  function attach(editor, textarea) {
    var holder = textarea.closest(".prose-editor") || editor.options.element;
    // The editor's own image button asks for an address; it opens the library instead.
    holder.addEventListener(
      "click",
      function (event) {
        var button = event.target.closest("button[title='figure']");
        if (!button || !holder.contains(button)) return;
        event.preventDefault();
        event.stopImmediatePropagation();
        open(editor, null, null);
      },
      true,
    );
    var view = editor.view.dom;
    view.addEventListener(
      "drop",
      function (event) {
        var file = pictureFile(event.dataTransfer);
        if (!file) return;
        event.preventDefault();
        event.stopImmediatePropagation();
        var at = editor.view.posAtCoords({ left: event.clientX, top: event.clientY });
        open(editor, at ? at.pos : null, file);
      },
      true,
    );
    view.addEventListener(
      "paste",
      function (event) {
        var file = pictureFile(event.clipboardData);
        if (!file) return;
        event.preventDefault();
        event.stopImmediatePropagation();
        open(editor, null, file);
      },
      true,
    );
  }

  document.addEventListener("prose-editor:ready", function (event) {
    attach(event.detail.editor, event.detail.textarea);
  });
})();
