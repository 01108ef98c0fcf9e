// narrowcast studio: the live preview while typing, and the findings at the words.
// The form works without this script (it saves as any form); this adds the pictures a screen
// would get and the marks, from POST /api/studio/voorbeeld, about half a second after typing stops.
(function () {
  'use strict';
  var WAIT_MS = 350;
  var form = document.getElementById('editor');
  if (!form) return;
  var slide = form.dataset.slide;
  var state = document.getElementById('live-state');
  var pictures = document.getElementById('pictures');
  var findings = document.getElementById('findings');
  var others = document.getElementById('others-state');
  var timer = null;
  var running = null;
  var asked = 0;

  function draftBody() {
    var yaml = form.elements.namedItem('yaml');
    if (yaml) return {slide: slide, yaml: yaml.value};
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.name !== 'version' && el.type !== 'checkbox' && el.type !== 'hidden' && el.type !== 'file' &&
          (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT')) {
        fields[el.name] = el.value;
      }
    });
    return {slide: slide, fields: fields};
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, WAIT_MS);
  }

  function refresh() {
    var number = ++asked;
    if (running) running.abort();
    running = new AbortController();
    state.textContent = 'Voorbeeld wordt gemaakt…';
    var body = draftBody();
    ask(body, running.signal).then(function (result) {
      if (!result || number !== asked) return;
      show(result);
      if (!result.more) return;
      others.textContent = 'Ook in ' + result.more + (result.more === 1 ? ' andere taal' : ' andere talen') + '…';
      body.deel = 'talen'; // the translations and side-by-side pictures follow the screens' own
      return ask(body, running.signal).then(function (rest) {
        if (!rest || number !== asked) return;
        showPictures(rest.images, true);
        showFindings(rest.findings, true);
        others.textContent = '';
      });
    }).catch(function (err) {
      if (err.name !== 'AbortError') state.textContent = 'Het voorbeeld lukt nu niet: ' + err.message;
    });
  }

  function ask(body, signal) {
    return fetch('/api/studio/voorbeeld', {
      method: 'POST', signal: signal, credentials: 'same-origin',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)
    }).then(function (res) {
      if (res.status === 409) return null; // overtaken by a newer draft
      return res.json();
    });
  }

  function show(result) {
    if (result.error && !result.ok) {
      state.textContent = 'Geen voorbeeld: ' + result.error + '.';
    } else {
      state.textContent = 'Voorbeeld bijgewerkt.';
    }
    if (result.images && result.images.length) showPictures(result.images, false);
    showFindings(result.findings, false);
    showMarks(result.marks || {});
  }

  function showPictures(images, adding) {
    var fresh = document.createDocumentFragment();
    (images || []).forEach(function (image) {
      var figure = document.createElement('figure');
      var img = document.createElement('img');
      img.src = image.url;
      img.alt = 'Voorbeeld op ' + image.label + ' (' + image.size + ')';
      img.width = Math.round(image.width / 5);
      img.height = Math.round(image.height / 5);
      var caption = document.createElement('figcaption');
      caption.textContent = image.label + ', ' + image.size;
      figure.appendChild(img);
      figure.appendChild(caption);
      fresh.appendChild(figure);
    });
    if (adding) pictures.appendChild(fresh); else pictures.replaceChildren(fresh);
  }

  function showFindings(list, adding) {
    if (!adding) findings.replaceChildren();
    (list || []).forEach(function (f) {
      var li = document.createElement('li');
      li.className = f.severity === 'error' ? 'error' : 'warning';
      li.textContent = (f.severity === 'error' ? 'Fout' : 'Let op') + (f.line ? ' (regel ' + f.line + ')' : '') + ': ' +
        (f.field ? f.field + ': ' : '') + f.message;
      var fine = findings.querySelector('li.fine');
      if (fine) fine.remove();
      findings.appendChild(li);
    });
    if (!findings.children.length) {
      var ok = document.createElement('li');
      ok.className = 'fine';
      ok.textContent = 'Geen meldingen: deze dia is in orde.';
      findings.appendChild(ok);
    }
  }

  // --- marks at the words ---------------------------------------------------------------------

  function showMarks(marks) {
    Array.prototype.forEach.call(document.querySelectorAll('.marks'), function (box) {
      var name = box.dataset.field;
      var field = form.elements.namedItem(name);
      var list = marks[name] || [];
      box.replaceChildren();
      if (!field || !list.length) return;
      var text = field.value;
      var line = document.createElement('p');
      line.className = 'marked';
      var at = 0;
      list = list.map(function (mark) { // JavaScript counts UTF-16 units: the server says where those are
        var base = mark.line !== undefined ? lineStart(text, mark.line) : 0;
        if (base < 0) return null;
        return Object.assign({}, mark, {start: base + (mark.start_utf16 !== undefined ? mark.start_utf16 : mark.start),
                                        end: base + (mark.end_utf16 !== undefined ? mark.end_utf16 : mark.end)});
      }).filter(Boolean);
      if (!list.length) return;
      list.slice().sort(function (a, b) { return a.start - b.start; }).forEach(function (mark) {
        if (mark.start < at) return;
        line.appendChild(document.createTextNode(text.slice(at, mark.start)));
        var m = document.createElement('mark');
        m.className = mark.severity === 'error' ? 'error' : 'warning';
        m.textContent = text.slice(mark.start, mark.end);
        line.appendChild(m);
        at = mark.end;
      });
      line.appendChild(document.createTextNode(text.slice(at)));
      box.appendChild(line);
      var ul = document.createElement('ul');
      list.forEach(function (mark) {
        var li = document.createElement('li');
        var words = text.slice(mark.start, mark.end);
        li.appendChild(document.createTextNode('‘' + words + '’: ' + mark.message + (mark.advice && !(mark.alternatives || []).length ? ' ' + mark.advice : '') + ' '));
        (mark.alternatives && mark.alternatives.length ? mark.alternatives : (mark.suggestion ? [mark.suggestion] : [])).forEach(function (choice) {
          var button = document.createElement('button');
          button.type = 'button';
          button.className = 'take';
          button.textContent = 'Vervang door ‘' + choice + '’';
          button.addEventListener('click', function () { take(field, mark, choice); });
          li.appendChild(button);
        });
        ul.appendChild(li);
      });
      box.appendChild(ul);
    });
  }

  // Where the n-th line with text starts (a translation's steps: one step a line, as the server counts them).
  function lineStart(text, n) {
    var at = 0;
    var lines = text.split('\n');
    for (var i = 0; i < lines.length; i++) {
      if (lines[i].trim()) {
        if (n === 0) return at + (lines[i].length - lines[i].replace(/^\s+/, '').length);
        n--;
      }
      at += lines[i].length + 1;
    }
    return -1;
  }

  function take(field, mark, choice) {
    var text = field.value;
    var words = text.slice(mark.start, mark.end);
    if (words && words[0] !== words[0].toLowerCase()) choice = choice[0].toUpperCase() + choice.slice(1);
    field.value = text.slice(0, mark.start) + choice + text.slice(mark.end);
    field.focus();
    field.setSelectionRange(mark.start + choice.length, mark.start + choice.length);
    refresh();
  }

  // --- steps: spare rows wait behind a button ---------------------------------------------------

  form.classList.add('scripted');
  var steps = document.getElementById('veld-steps');
  if (steps && steps.querySelector('[data-spare]')) {
    var more = document.createElement('button');
    more.type = 'button';
    more.className = 'more';
    more.textContent = 'Nog een stap';
    more.addEventListener('click', function () {
      var spare = steps.querySelector('[data-spare]');
      if (!spare) return;
      spare.removeAttribute('data-spare');
      spare.querySelector('input').focus();
      if (!steps.querySelector('[data-spare]')) more.remove();
    });
    steps.appendChild(more);
  }

  // Steps belong to the shape Stappen: hidden for other shapes unless a step has text.
  var layout = form.elements.namedItem('layout');
  function showSteps() {
    if (!steps || !layout) return;
    var written = Array.prototype.some.call(steps.querySelectorAll('input[name$=".text"]'), function (el) { return el.value.trim(); });
    steps.hidden = layout.value !== 'steps' && !written;
  }
  if (layout) layout.addEventListener('change', showSteps);
  showSteps();

  // --- the icon picker: search the icons by their Dutch words -----------------------------------

  Array.prototype.forEach.call(document.querySelectorAll('.icon-picker'), function (picker) {
    var field = document.getElementById(picker.dataset.field);
    var search = picker.querySelector('input[type=search]');
    var count = picker.querySelector('[role=status]');
    var now = picker.querySelector('.icon-now');
    var items = picker.querySelectorAll('li');
    picker.hidden = false;
    function filter() {
      var words = search.value.trim().toLowerCase();
      var shown = 0;
      Array.prototype.forEach.call(items, function (li) {
        li.hidden = words !== '' && li.dataset.words.indexOf(words) === -1;
        if (!li.hidden) shown++;
      });
      count.textContent = words ? shown + (shown === 1 ? ' icoon gevonden' : ' iconen gevonden') : '';
    }
    function showNow() {
      var word = field.value.trim().toLowerCase();
      now.hidden = !word;
      if (word) now.src = '/studio/iconen/' + encodeURIComponent(word) + '.svg';
    }
    now.addEventListener('error', function () { now.hidden = true; });
    search.addEventListener('input', function (event) { event.stopPropagation(); filter(); });
    search.addEventListener('change', function (event) { event.stopPropagation(); });
    search.addEventListener('keydown', function (event) { if (event.key === 'Enter') event.preventDefault(); });
    field.addEventListener('input', showNow);
    Array.prototype.forEach.call(picker.querySelectorAll('button.icon-choice'), function (button) {
      button.addEventListener('click', function () {
        field.value = button.dataset.word;
        showNow();
        picker.querySelector('details').open = false;
        field.focus();
        field.dispatchEvent(new Event('input', {bubbles: true}));
      });
    });
  });

  form.addEventListener('input', soon);
  form.addEventListener('change', soon);
  refresh();
})();
