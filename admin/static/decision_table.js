// The decision-table editor (admin/templates/admin/versions/table.html): rows added, moved and marked for removal
// in place. Without this file the page still works: the 顺序 inputs order the rows, 删除 removes one, and
// 「增加一行」 asks the server for an empty row.
(function () {
  var form = document.getElementById("table-form");
  var body = document.getElementById("dt-body");
  var template = document.getElementById("dt-template");
  var count = document.getElementById("dt-rows");
  if (!form || !body || !template || !count) {
    return;
  }
  form.classList.add("dt-scripted");

  function renumber() {
    body.querySelectorAll("tr.dt-row").forEach(function (row, n) {
      var order = row.querySelector(".dt-order-input");
      if (order) {
        order.value = String(n + 1);
      }
    });
  }

  function dress(row) {
    var cell = row.querySelector("td.dt-order");
    if (!cell || cell.querySelector(".dt-move")) {
      return;
    }
    [["↑", "上移", -1], ["↓", "下移", 1]].forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-secondary dt-move";
      button.textContent = spec[0];
      button.title = spec[1];
      button.setAttribute("aria-label", spec[1]);
      button.dataset.step = String(spec[2]);
      cell.insertBefore(button, cell.querySelector(".dt-delete"));
    });
    marked(row);
    kind(row);
  }

  function marked(row) {
    var box = row.querySelector('.dt-delete input[type="checkbox"]');
    row.classList.toggle("dt-deleted", Boolean(box && box.checked));
  }

  function kind(row) {
    var select = row.querySelector("select.dt-kind");
    row.classList.toggle("dt-fixed", Boolean(select && select.value === "fixed"));
  }

  body.querySelectorAll("tr.dt-row").forEach(dress);

  body.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.dt-move");
    if (!button) {
      return;
    }
    var row = button.closest("tr");
    var other = button.dataset.step === "-1" ? row.previousElementSibling : row.nextElementSibling;
    if (other) {
      if (button.dataset.step === "-1") {
        body.insertBefore(row, other);
      } else {
        body.insertBefore(other, row);
      }
      renumber();
      button.focus();
    }
  });

  body.addEventListener("change", function (event) {
    var row = event.target.closest && event.target.closest("tr.dt-row");
    if (!row) {
      return;
    }
    if (event.target.matches('.dt-delete input[type="checkbox"]')) {
      marked(row);
    } else if (event.target.matches("select.dt-kind")) {
      kind(row);
    }
  });

  var add = document.getElementById("dt-add-row");
  if (add) {
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var n = parseInt(count.value, 10) || 0;
      var row = template.content.querySelector("tr").cloneNode(true);
      row.dataset.row = String(n);
      row.querySelectorAll("[name]").forEach(function (input) {
        input.name = input.name.replace(/^r-1_/, "r" + n + "_");
      });
      body.appendChild(row);
      count.value = String(n + 1);
      dress(row);
      renumber();
      var code = row.querySelector(".dt-code");
      if (code) {
        code.focus();
      }
    });
  }
})();
