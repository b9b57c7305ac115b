// Application pages (the Content-Security-Policy allows no inline handlers): typing or choosing a verified value
// selects "更正" for that fact, so that a clerk need not click twice.
function selectCorrection(event) {
  var target = event.target;
  var radio = target.getAttribute && document.getElementById(target.getAttribute("data-choice") || "");
  if (radio && target.value !== "") {
    radio.checked = true;
  }
}
document.addEventListener("input", selectCorrection);
document.addEventListener("change", selectCorrection);

// <button data-print> prints the page (the materials notice); with scripts off the browser's own print does.
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) {
    window.print();
  }
});
