// CivicPact needs no JavaScript for its core flows; htmx only makes some of them smoother.
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector('meta[name="csrf-token"]');
  if (token) { event.detail.headers["X-CSRFToken"] = token.getAttribute("content"); }
});
