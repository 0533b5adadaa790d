// The frame player of the pages autograd-lite writes (the backward pass step by step, a
// playground's run), inlined into each page so the page needs nothing else: the play/pause
// button #play, the range input #slider, the arrow keys, and #frame=N or #play in the address.
// startPlayer(show, last, interval) calls show(n) to draw frame n, for n from 0 to last.
function startPlayer(show, last, interval) {
  var slider = document.getElementById("slider");
  var play = document.getElementById("play");
  var timer = null;
  function goTo(n) {
    n = Math.max(0, Math.min(last, n | 0));
    show(n);
    slider.value = n;
    slider.setAttribute("value", n);  // the attribute too, so a saved or dumped page shows it
    document.body.setAttribute("data-frame", n);
  }
  function stop() {
    clearInterval(timer);
    timer = null;
    play.innerHTML = "&#9654; play";
  }
  slider.addEventListener("input", function () { goTo(Number(slider.value)); });
  play.addEventListener("click", function () {
    if (timer !== null) { stop(); return; }
    if (Number(slider.value) >= last) { goTo(0); }
    play.innerHTML = "&#10074;&#10074; pause";
    timer = setInterval(function () {
      if (Number(slider.value) >= last) { stop(); return; }
      goTo(Number(slider.value) + 1);
    }, interval);
  });
  document.addEventListener("keydown", function (event) {
    // The focused slider moves itself on arrow keys (and fires "input"); only elsewhere do we.
    if (event.target === slider) { return; }
    if (event.key === "ArrowRight") { goTo(Number(slider.value) + 1); }
    if (event.key === "ArrowLeft") { goTo(Number(slider.value) - 1); }
  });
  // #frame=N opens a given frame and #play starts playing, so a link can point into the page.
  function fromHash() {
    var match = /frame=(\d+)/.exec(location.hash);
    if (match) { goTo(Number(match[1])); }
    if (/play/.test(location.hash) && timer === null) { play.click(); }
  }
  window.addEventListener("hashchange", fromHash);
  goTo(0);
  fromHash();
}
