// The console's behaviour, without inline handlers (the Content-Security-Policy refuses them):
// <form data-confirm="…"> asks before submitting; <select data-autosubmit> submits its form when changed.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  if (event.target.matches && event.target.matches("select[data-autosubmit]") && event.target.form) {
    event.target.form.submit();
  }
});
// Flask-Admin's menus and filters are links to "javascript:void(0)" (one with an inline onclick="return false;",
// which the policy blocks): keep the browser from following them, as that handler would.
// Listening in the capture phase: some of those menus stop the click's propagation.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest('a[href^="javascript:"]');
  if (link) {
    event.preventDefault();
  }
}, true);
// Flask-Admin's menu button is labelled in English in its template: say it in Chinese.
document.querySelectorAll(".navbar-toggler").forEach(function (button) {
  button.setAttribute("aria-label", "展开或收起导航");
});
// Phones: each cell of a table says which column it is in (console.css shows the rows one cell under another
// below 576 px). Cells after a colspan keep no label rather than a wrong one.
document.querySelectorAll("table.table").forEach(function (table) {
  var heads = Array.prototype.map.call(table.querySelectorAll("thead tr:first-child > th"), function (th) {
    return th.textContent.replace(/\s+/g, " ").trim();
  });
  if (!heads.length) {
    return;
  }
  table.querySelectorAll("tbody > tr").forEach(function (row) {
    var column = 0;
    Array.prototype.forEach.call(row.children, function (cell) {
      var span = cell.colSpan || 1;
      if (span === 1 && heads[column] && !cell.hasAttribute("data-label")) {
        cell.setAttribute("data-label", heads[column]);
      }
      column += span;
    });
  });
});
