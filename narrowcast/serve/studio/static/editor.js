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
  var timer = null;
  var running = null;
  var asked = 0;

  function draftBody() {
    var yaml = form.elements.namedItem('yaml');
    if (yaml) return {slide: slide, yaml: yaml.value};
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.name !== 'version' && el.type !== 'checkbox' && el.type !== 'hidden' &&
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
    fetch('/api/studio/voorbeeld', {
      method: 'POST', signal: running.signal, credentials: 'same-origin',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(draftBody())
    }).then(function (res) {
      if (res.status === 409) return null; // overtaken by a newer draft
      return res.json();
    }).then(function (result) {
      if (!result || number !== asked) return;
      show(result);
    }).catch(function (err) {
      if (err.name !== 'AbortError') state.textContent = 'Het voorbeeld lukt nu niet: ' + err.message;
    });
  }

  function show(result) {
    if (result.error && !result.ok) {
      state.textContent = 'Geen voorbeeld: ' + result.error + '.';
    } else {
      state.textContent = 'Voorbeeld bijgewerkt.';
    }
    if (result.images && result.images.length) {
      var fresh = document.createDocumentFragment();
      result.images.forEach(function (image) {
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
      pictures.replaceChildren(fresh);
    }
    findings.replaceChildren();
    (result.findings || []).forEach(function (f) {
      var li = document.createElement('li');
      li.className = f.severity === 'error' ? 'error' : 'warning';
      li.textContent = (f.severity === 'error' ? 'Fout' : 'Let op') + (f.line ? ' (regel ' + f.line + ')' : '') + ': ' +
        (f.field ? f.field + ': ' : '') + f.message;
      findings.appendChild(li);
    });
    if (!findings.children.length) {
      var ok = document.createElement('li');
      ok.className = 'fine';
      ok.textContent = 'Geen meldingen: deze dia is in orde.';
      findings.appendChild(ok);
    }
    showMarks(result.marks || {});
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
        return Object.assign({}, mark, {start: mark.start_utf16 !== undefined ? mark.start_utf16 : mark.start,
                                        end: mark.end_utf16 !== undefined ? mark.end_utf16 : mark.end});
      });
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

  function take(field, mark, choice) {
    var text = field.value;
    var words = text.slice(mark.start, mark.end);
    if (words && words[0] !== words[0].toLowerCase()) choice = choice[0].toUpperCase() + choice.slice(1);
    field.value = text.slice(0, mark.start) + choice + text.slice(mark.end);
    field.focus();
    field.setSelectionRange(mark.start + choice.length, mark.start + choice.length);
    refresh();
  }

  form.addEventListener('input', soon);
  form.addEventListener('change', soon);
  refresh();
})();
