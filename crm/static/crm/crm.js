/* Behaviour shared by every page, loaded as a file: the Content Security Policy allows no inline script.
 *
 * <form data-confirm="Delete this ticket?"> asks before submitting.
 */
(function () {
  'use strict';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
