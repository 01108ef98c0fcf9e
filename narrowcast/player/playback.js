// narrowcast player: playback. Rotates the live items of the adopted manifest in the loops' order, the
// fallback when none is live, with a cross-fade; only when nothing can be shown, a notice in words.
// Memory stays flat over weeks: only scalars and bounded structures are kept.
(function (nc) {
  'use strict';

  var FADE_MS = 800;
  var HISTORY = 20;      // a ring of the last shows, for tests and diagnosis
  var isLive = nc.manifest.isLive, mediaName = nc.manifest.mediaName;
  var idbGet = nc.store.get, idbPut = nc.store.put;
  var log = nc.log, warn = nc.warn, now = nc.now;
  var stage = document.getElementById('stage');

  var manifest = null;   // the manifest being played, images resolved to absolute URLs
  var position = -1;     // place in the play order (orderOf) of the last item shown (fallback keeps it)
  var current = null;    // {key, id, image, duration}
  var shown = null;      // {key, image} of the picture on screen
  var showTimer = null, edgeTimer = null, cleanupTimer = null;
  var showToken = 0;
  var preload = null;    // {image, promise}: the next picture, decoded before its turn
  var history = [];      // ring of {id, at} (corrected ms), at most HISTORY long
  var bitmaps = 0;       // decoded pictures not yet closed (at most: preload + one loading)
  var shows = 0;         // how many turns have started (a number, not a list)
  var shownSince = null; // corrected ms when the current item started
  var notice = null, noticeWhy = null; // the text shown when there is nothing to play, and why

  function liveIds(at) {
    if (!manifest) return [];
    return manifest.items.filter(function (i) { return isLive(i, at); }).map(function (i) { return i.id; });
  }

  // The play order: positions in it name items. The server's loops decide it (rotated languages,
  // repeated slides); a manifest stored by an older player has none, and plays its items in order.
  function orderOf(m) {
    return m.order || m.items.map(function (_, k) { return k; });
  }

  // The next live item after position `from` in the play order, or the fallback. A repeated item
  // (every:) whose neighbours are not live now would come twice in a row: then the one after it.
  function pick(from, at) {
    var items = manifest.items, order = orderOf(manifest), n = order.length, again = null;
    var last = from >= 0 && from < n ? items[order[from]].id : null;
    for (var k = 1; k <= n; k++) {
      var p = ((from + k) % n + n) % n, item = items[order[p]];
      if (!isLive(item, at)) continue;
      if (item.id !== last) return {index: p, entry: entryOf(item, false)};
      if (!again) again = {index: p, entry: entryOf(item, false)};
    }
    if (again) return again;
    return manifest.fallback ? {index: from, entry: entryOf(manifest.fallback, true)} : null;
  }

  // Where an item stands in the play order: at `near` if it is there (a repeated item keeps its
  // turn), else its first place; -1 when the order does not name it.
  function placeOf(m, id, near) {
    var order = orderOf(m);
    if (near >= 0 && near < order.length && m.items[order[near]].id === id) return near;
    for (var p = 0; p < order.length; p++) if (m.items[order[p]].id === id) return p;
    return -1;
  }

  function entryOf(item, isFallback) {
    return {key: isFallback ? 'fallback:' + item.id : item.id, id: item.id, image: item.image,
            duration: Math.max(1, Number(item.duration) || 10), fallback: isFallback};
  }

  function nextEdge(at) {
    var best = Infinity;
    manifest.items.forEach(function (i) {
      i.edges.forEach(function (e) {
        if (e[0] > at && e[0] < best) best = e[0];
        if (e[1] > at && e[1] < best) best = e[1];
      });
    });
    return best;
  }

  // --- rotation ----------------------------------------------------------------------------------------
  // Timers are set synchronously at each decision, so the rhythm never waits for image loading.
  function step() {
    if (!manifest) return;
    var at = now();
    var next = pick(position, at);
    if (!next) return;
    position = next.index;
    show(next.entry, at);
  }

  function show(entry, at) {
    clearTimeout(showTimer);
    if (current && shownSince !== null) nc.sync.played(current.id, shownSince, at); // proof of play
    current = entry;
    shownSince = at;
    document.body.dataset.current = entry.key;
    shows++;
    history.push({id: entry.key, at: at});
    if (history.length > HISTORY) history.shift();
    showTimer = setTimeout(step, entry.duration * 1000);
    armEdge(at);
    if (!shown || shown.image !== entry.image) display(entry);
    else showToken++; // already on screen: a picture still loading for an earlier turn must not appear
    var upcoming = pick(position, at + entry.duration * 1000);
    if (upcoming) startPreload(upcoming.entry.image);
  }

  // At the nearest interval edge: an item whose interval ended leaves now; the fallback gives way.
  function armEdge(at) {
    clearTimeout(edgeTimer);
    var edge = nextEdge(at);
    if (edge === Infinity) return;
    edgeTimer = setTimeout(onEdge, Math.min(edge - at, 0x7fffffff));
  }

  function onEdge() {
    if (!manifest || !current) return;
    var at = now();
    var item = null;
    for (var k = 0; k < manifest.items.length; k++) if (manifest.items[k].id === current.id) item = manifest.items[k];
    var gone = !current.fallback && (!item || !isLive(item, at));
    var arrived = current.fallback && liveIds(at).length > 0;
    if (gone || arrived) step(); else armEdge(at);
  }

  // Play `next` from now on. Item ids identify the same item across versions: a slide that stays
  // live keeps its turn; one whose picture changed is shown again at once.
  function adopt(next) {
    var before = current;
    manifest = next;
    log('versie', next.version);
    if (!before) { position = -1; step(); return; }
    var at = now();
    var index = placeOf(next, before.id, position);
    var same = index >= 0 ? next.items[orderOf(next)[index]] : null;
    if (before.fallback) {
      if (liveIds(at).length || !next.fallback || next.fallback.image !== before.image) step();
      else armEdge(at);
    } else if (!same || !isLive(same, at)) {
      position = index >= 0 ? index : Math.min(position, orderOf(next).length - 1);
      step();
    } else if (same.image !== before.image) {
      position = index;
      show(entryOf(same, false), at); // a saved change shows at once, for a full turn
    } else {
      position = index;
      armEdge(at);
      var upcoming = pick(position, at + 1);
      if (upcoming) startPreload(upcoming.entry.image);
    }
  }

  // --- pictures ----------------------------------------------------------------------------------------
  function display(entry) {
    var token = ++showToken;
    load(entry.image).then(function (pic) {
      if (token !== showToken) { release(pic); return; }
      fadeIn(pic);
      shown = {key: entry.key, image: entry.image};
    }).catch(function (e) {
      warn('afbeelding niet te laden', entry.image, e);
      if (token !== showToken || shown) return;
      if (manifest && manifest.fallback && entry.image !== manifest.fallback.image) display(entryOf(manifest.fallback, true));
      else showNotice(nc.NO_CONTENT, 'geen beeld op het scherm: afbeelding ' + mediaName(entry.image) + ' niet te laden');
    });
  }

  function load(image) {
    if (preload && preload.image === image) {
      var p = preload.promise;
      preload = null;
      return p;
    }
    return decode(image);
  }

  function startPreload(image) {
    if (shown && shown.image === image) return;
    if (preload && preload.image === image) return;
    dropPreload();
    var p = decode(image);
    p.catch(function () { /* reported when used */ });
    preload = {image: image, promise: p};
  }

  function dropPreload() {
    if (!preload) return;
    preload.promise.then(release, function () {});
    preload = null;
  }

  // A decoded picture from the stored Blob (or the network). An ImageBitmap is closed as soon as it
  // is drawn: unlike an <img> behind a blob URL, whose decoded and encoded copies Chromium keeps in
  // its memory cache per URL, nothing of it outlives its turn.
  function decode(image) {
    return idbGet('images', image).catch(function () { return null; }).then(function (blob) {
      if (!blob) return fromNetwork(image);
      return createImageBitmap(blob).catch(function (e) {
        warn('opgeslagen afbeelding beschadigd, opnieuw ophalen', image, e);
        return fromNetwork(image);
      });
    }).then(function (bitmap) {
      bitmaps++;
      return {bitmap: bitmap};
    });
  }

  // Not stored (evicted, or no IndexedDB): from the network, and stored only once it decodes.
  function fromNetwork(image) {
    return fetch(image).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.blob();
    }).then(function (blob) {
      return createImageBitmap(blob).then(function (bitmap) {
        idbPut('images', image, blob).catch(function () {});
        return bitmap;
      });
    });
  }

  function release(pic) {
    if (pic.bitmap) { pic.bitmap.close(); pic.bitmap = null; bitmaps--; }
  }

  // Cross-fade: the new picture fades in over the old one, so the screen never dips to black.
  function fadeIn(pic) {
    hideNotice();
    cleanup();
    var canvas = document.createElement('canvas');
    canvas.width = pic.bitmap.width;
    canvas.height = pic.bitmap.height;
    canvas.getContext('2d').drawImage(pic.bitmap, 0, 0);
    release(pic);
    stage.appendChild(canvas);
    void canvas.offsetWidth; // start the transition from opacity 0
    canvas.className = 'on';
    clearTimeout(cleanupTimer);
    cleanupTimer = setTimeout(cleanup, FADE_MS + 200);
  }

  // When there is nothing to play, the screen says so in words instead of staying black.
  function showNotice(text, why) {
    if (!notice) {
      notice = document.createElement('div');
      notice.id = 'notice';
      document.body.appendChild(notice);
    }
    notice.textContent = text;
    noticeWhy = why;
  }

  function hideNotice() {
    if (!notice) return;
    notice.parentNode.removeChild(notice);
    notice = noticeWhy = null;
  }

  function cleanup() {
    var layers = stage.querySelectorAll('canvas');
    for (var k = 0; k < layers.length - 1; k++) {
      layers[k].width = layers[k].height = 0; // frees the backing store now, not at the next GC
      stage.removeChild(layers[k]);
    }
  }

  // What is on screen, for the test hook (sync.js adds the server's side).
  function view(at) {
    return {current: current ? current.key : null, image: current ? current.image : null,
            shown: shown ? shown.key : null, shownImage: shown ? shown.image : null,
            notice: notice ? notice.textContent : null,
            liveIds: liveIds(at), history: history.slice(), shows: shows, bitmaps: bitmaps,
            layers: stage.querySelectorAll('canvas').length};
  }

  nc.playback = {adopt: adopt, showNotice: showNotice, view: view,
                 manifest: function () { return manifest; },
                 currentId: function () { return current ? current.id : null; },
                 noticeWhy: function () { return noticeWhy; }};
})(window.narrowcast);
