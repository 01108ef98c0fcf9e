// narrowcast player: rotates a screen's slides from its manifest (v1), offline first.
//
// Plain JS, no build step. Every URL is relative to this page, so the same files work from
// `narrowcast serve` (/player/?screen=ID, with push) and from any static host under any sub-path
// (<prefix>/player/index.html?screen=ID, polling). What is live is decided only by comparing the
// manifest's UTC timestamps with Date.now() + offset (the server's clock); the schedule itself is
// computed in Python. The last manifest and every image live in IndexedDB, which works at plain
// http:// LAN origins where the Cache API and Service Workers are missing.
(function () {
  'use strict';

  var FADE_MS = 800;
  var MAX_BACKOFF_MS = 5 * 60 * 1000;
  var SAFETY_POLLS = 10;            // with push connected, still poll every 10 × poll_seconds
  var SSE_RETRY_MS = 10 * 60 * 1000; // a host without push (404) is asked again only this often
  var HISTORY = 20;                 // a ring of the last shows, for tests and diagnosis
  var DB_NAME = 'narrowcast';

  var params = new URLSearchParams(location.search);
  var screenId = params.get('screen') || '';
  var meta = document.querySelector('meta[name="narrowcast-player"]');
  var playerVersion = meta ? meta.content : '';
  var manifestUrl = new URL('../screens/' + encodeURIComponent(screenId) + '/manifest.json', location.href).href;
  var eventsUrl = new URL('../events/' + encodeURIComponent(screenId), location.href).href;
  var stage = document.getElementById('stage');

  // --- state: only scalars and bounded structures, so memory stays flat over weeks ----------------
  var manifest = null;   // the manifest being played, images resolved to absolute URLs
  var etag = null;
  var offsetMs = 0;      // server clock − local clock
  var position = -1;     // index in manifest.items of the last item shown (fallback keeps it)
  var current = null;    // {key, id, image, duration}
  var shown = null;      // {key, image} of the picture on screen
  var showTimer = null, edgeTimer = null, pollTimer = null, cleanupTimer = null;
  var showToken = 0;
  var preload = null;    // {image, promise}: the next picture, decoded before its turn
  var source = null;     // EventSource
  var sseConnected = false, sseEverOpened = false, sseFailedAt = null;
  var announced = null;  // newest version announced by push
  var inFlight = false, fetchAgain = null;
  var failures = 0;
  var fetches = {start: 0, sse: 0, poll: 0};
  var history = [];      // ring of {id, at} (corrected ms), at most HISTORY long
  var bitmaps = 0;       // decoded pictures not yet closed (at most: preload + one loading)
  var shows = 0;         // how many turns have started (a number, not a list)
  var dbPromise = null;
  var REPORT_MS = 60 * 1000;        // heartbeat and play reports once a minute
  var MAX_PLAYS = 100;              // unsent play events kept while the server is away (oldest dropped)
  var screenKey = params.get('key');
  var apiBase = new URL('../api/screens/' + encodeURIComponent(screenId) + '/', location.href).href;
  var plays = [];                   // bounded: at most MAX_PLAYS
  var shownSince = null;            // corrected ms when the current item started
  var reportsOffUntil = 0;          // a static host has no API: ask again only after a while

  function now() { return Date.now() + offsetMs; }
  function log() { try { console.info.apply(console, ['[narrowcast]'].concat([].slice.call(arguments))); } catch (e) { /* no console */ } }
  function warn() { try { console.error.apply(console, ['[narrowcast]'].concat([].slice.call(arguments))); } catch (e) { /* no console */ } }

  // --- IndexedDB: {manifests: screen -> record, images: absolute URL -> Blob} ------------------------
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error('geen IndexedDB')); return; }
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          req.result.createObjectStore('manifests');
          req.result.createObjectStore('images');
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
      dbPromise.catch(function (e) { warn('IndexedDB niet beschikbaar', e); });
    }
    return dbPromise;
  }

  function tx(store, mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode);
        var result;
        fn(t.objectStore(store), function (r) { result = r; });
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }

  function idbGet(store, key) {
    return tx(store, 'readonly', function (s, done) {
      var r = s.get(key);
      r.onsuccess = function () { done(r.result); };
    });
  }

  function idbPut(store, key, value) {
    return tx(store, 'readwrite', function (s) { s.put(value, key); });
  }

  // Delete every stored image that no stored manifest (of any screen on this origin) names.
  function collectGarbage() {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(['manifests', 'images'], 'readwrite');
        var wanted = {};
        t.objectStore('manifests').openCursor().onsuccess = function (ev) {
          var cursor = ev.target.result;
          if (cursor) {
            imagesOf(cursor.value.manifest).forEach(function (u) { wanted[u] = true; });
            cursor.continue();
            return;
          }
          var images = t.objectStore('images');
          images.openKeyCursor().onsuccess = function (e2) {
            var c = e2.target.result;
            if (!c) return;
            if (!wanted[c.primaryKey]) images.delete(c.primaryKey);
            c.continue();
          };
        };
        t.oncomplete = function () { resolve(); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    }).catch(function (e) { warn('opruimen mislukt', e); });
  }

  function imagesOf(m) {
    if (!m) return [];
    var list = (m.items || []).map(function (i) { return i.image; });
    if (m.fallback) list.push(m.fallback.image);
    return list;
  }

  // --- the manifest ------------------------------------------------------------------------------------
  function resolveManifest(raw) {
    var abs = function (u) { return new URL(u, manifestUrl).href; };
    var items = (raw.items || []).map(function (i) {
      return {id: i.id, image: abs(i.image), duration: i.duration, intervals: i.intervals || null,
              edges: (i.intervals || []).map(function (iv) { return [Date.parse(iv[0]), Date.parse(iv[1])]; })};
    });
    var fb = raw.fallback ? {id: raw.fallback.id, image: abs(raw.fallback.image), duration: raw.fallback.duration} : null;
    return {version: raw.version, screen: raw.screen, poll: Math.max(2, raw.poll_seconds || 30),
            serverTime: raw.server_time, items: items, fallback: fb};
  }

  function isLive(item, at) {
    if (!item.intervals) return true;
    for (var k = 0; k < item.edges.length; k++) {
      if (item.edges[k][0] <= at && at < item.edges[k][1]) return true;
    }
    return false;
  }

  function liveIds(at) {
    if (!manifest) return [];
    return manifest.items.filter(function (i) { return isLive(i, at); }).map(function (i) { return i.id; });
  }

  // The next live item after `from` in manifest order, or the fallback.
  function pick(from, at) {
    var items = manifest.items, n = items.length;
    for (var k = 1; k <= n; k++) {
      var i = ((from + k) % n + n) % n;
      if (isLive(items[i], at)) return {index: i, entry: entryOf(items[i], false)};
    }
    return manifest.fallback ? {index: from, entry: entryOf(manifest.fallback, true)} : null;
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
    recordPlay(at);
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

  function display(entry) {
    var token = ++showToken;
    load(entry.image).then(function (pic) {
      if (token !== showToken) { release(pic); return; }
      fadeIn(pic);
      shown = {key: entry.key, image: entry.image};
    }).catch(function (e) {
      warn('afbeelding niet te laden', entry.image, e);
      if (token === showToken && !shown && manifest && manifest.fallback && entry.image !== manifest.fallback.image) {
        display(entryOf(manifest.fallback, true));
      }
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

  // A decoded picture from the stored Blob (or the network, stored on the way). An ImageBitmap is
  // closed as soon as it is drawn: unlike an <img> behind a blob URL, whose decoded and encoded
  // copies Chromium keeps in its memory cache per URL, nothing of it outlives its turn.
  function decode(image) {
    return blobFor(image).then(function (blob) { return createImageBitmap(blob); }).then(function (bitmap) {
      bitmaps++;
      return {bitmap: bitmap};
    });
  }

  function blobFor(image) {
    return idbGet('images', image).catch(function () { return null; }).then(function (blob) {
      if (blob) return blob;
      return fetch(image).then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.blob();
      }).then(function (b) {
        idbPut('images', image, b).catch(function () {});
        return b;
      });
    });
  }

  function release(pic) {
    if (pic.bitmap) { pic.bitmap.close(); pic.bitmap = null; bitmaps--; }
  }

  // Cross-fade: the new picture fades in over the old one, so the screen never dips to black.
  function fadeIn(pic) {
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

  function cleanup() {
    var layers = stage.querySelectorAll('canvas');
    for (var k = 0; k < layers.length - 1; k++) {
      layers[k].width = layers[k].height = 0; // frees the backing store now, not at the next GC
      stage.removeChild(layers[k]);
    }
  }

  // --- fetching ----------------------------------------------------------------------------------------
  function fetchManifest(reason) {
    if (inFlight) { fetchAgain = fetchAgain || reason; return; }
    inFlight = true;
    fetches[reason]++;
    var headers = {};
    if (etag) headers['If-None-Match'] = etag;
    var t0 = Date.now();
    fetch(manifestUrl, {cache: 'no-store', headers: headers}).then(function (res) {
      var t1 = Date.now();
      if (res.status !== 200 && res.status !== 304) throw new Error('HTTP ' + res.status);
      measureOffset(res.headers.get('Date'), t0, t1);
      if (res.status === 304) return false;
      var tag = res.headers.get('ETag');
      return res.json().then(function (raw) {
        if (raw.schema !== 1 || raw.screen !== screenId) throw new Error('onverwacht manifest');
        if (!res.headers.get('Date') && raw.server_time) measureOffset(new Date(Date.parse(raw.server_time)).toUTCString(), t1, t1);
        return accept(raw, tag);
      });
    }).then(function () {
      var recovered = failures > 0;
      failures = 0;
      online(recovered);
      checkPlayer();
    }, function (e) {
      failures++;
      warn('manifest niet op te halen (' + reason + ')', e && e.message ? e.message : e);
    }).then(function () {
      inFlight = false;
      schedulePoll();
      var again = fetchAgain;
      fetchAgain = null;
      if (again && (again !== 'sse' || (announced && manifest && announced !== manifest.version))) fetchManifest(again);
    });
  }

  function measureOffset(date, t0, t1) {
    var server = Date.parse(date || '');
    if (isNaN(server)) return;
    offsetMs = Math.round(server + 500 - (t0 + t1) / 2); // a Date header is whole seconds
  }

  // Store the images first, then the manifest, then play it: a stored manifest has its images.
  function accept(raw, tag) {
    if (manifest && raw.version === manifest.version) { etag = tag || etag; return Promise.resolve(false); }
    var next = resolveManifest(raw);
    var urls = imagesOf(next).filter(function (u, i, all) { return all.indexOf(u) === i; });
    return Promise.all(urls.map(storeImage)).then(function () {
      return idbPut('manifests', screenId, {manifest: next, etag: tag, offsetMs: offsetMs, saved: Date.now()})
        .catch(function (e) { warn('manifest niet opgeslagen', e); });
    }).then(function () {
      etag = tag;
      adopt(next);
      collectGarbage();
      return true;
    });
  }

  function storeImage(url) {
    return idbGet('images', url).catch(function () { return null; }).then(function (have) {
      if (have) return;
      return fetch(url).then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.blob();
      }).then(function (blob) { return idbPut('images', url, blob); })
        .catch(function (e) { warn('afbeelding niet opgeslagen', url, e); });
    });
  }

  function adopt(next) {
    var before = current;
    manifest = next;
    log('versie', next.version);
    if (!before) { position = -1; step(); return; }
    var at = now();
    var same = null, index = -1;
    next.items.forEach(function (i, k) { if (i.id === before.id) { same = i; index = k; } });
    if (before.fallback) {
      if (liveIds(at).length || !next.fallback || next.fallback.image !== before.image) step();
      else armEdge(at);
    } else if (!same || !isLive(same, at)) {
      position = index >= 0 ? index : Math.min(position, next.items.length - 1);
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

  // --- push, polling, back-off ------------------------------------------------------------------------
  function pollDelay() {
    var base = (manifest ? manifest.poll : 30) * 1000;
    if (failures > 0) return Math.min(MAX_BACKOFF_MS, base * Math.pow(2, failures - 1));
    return sseConnected ? base * SAFETY_POLLS : base;
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(function () { fetchManifest('poll'); }, pollDelay());
  }

  function openEvents() {
    if (source || !window.EventSource) return;
    sseFailedAt = null;
    source = new EventSource(eventsUrl);
    source.onopen = function () {
      sseConnected = true;
      sseEverOpened = true;
      schedulePoll();
    };
    source.addEventListener('version', function (ev) {
      var v = null;
      try { v = JSON.parse(ev.data).version; } catch (e) { return; }
      announced = v;
      if (!manifest || v !== manifest.version) fetchManifest('sse');
    });
    // A static host answers 404, a stopped server nothing: close and poll (with back-off).
    source.onerror = function () {
      if (source) source.close();
      source = null;
      sseConnected = false;
      sseFailedAt = Date.now();
      schedulePoll();
    };
  }

  // Push again once the server answers: at once after an outage, rarely where push never worked
  // while the manifest did (a static host answers 404 there).
  function online(recovered) {
    if (source) return;
    if (recovered || sseEverOpened || sseFailedAt === null || Date.now() - sseFailedAt > SSE_RETRY_MS) openEvents();
  }

  // --- heartbeats and proof of play ------------------------------------------------------------------
  function recordPlay(at) {
    if (!current || shownSince === null) return;
    plays.push({item: current.id, start: new Date(shownSince).toISOString(), seconds: Math.round(at - shownSince) / 1000});
    if (plays.length > MAX_PLAYS) plays.shift();
  }

  function post(path, body) {
    var headers = {'Content-Type': 'application/json'};
    if (screenKey) headers['X-Screen-Key'] = screenKey;
    return fetch(apiBase + path, {method: 'POST', headers: headers, body: JSON.stringify(body), cache: 'no-store'});
  }

  function report() {
    if (Date.now() < reportsOffUntil || !screenId) return;
    var beat = {version: manifest ? manifest.version : null, item: current ? current.id : null,
                resolution: screen.width + 'x' + screen.height, user_agent: navigator.userAgent,
                offset_ms: Math.round(offsetMs)};
    post('heartbeat', beat).then(function (res) {
      if (res.status === 404 || res.status === 405) { reportsOffUntil = Date.now() + SSE_RETRY_MS; return; }
      if (!res.ok || !plays.length) return;
      var batch = plays.splice(0, MAX_PLAYS);
      return post('plays', {plays: batch}).then(function (r) {
        if (!r.ok && r.status !== 400) plays = batch.concat(plays).slice(-MAX_PLAYS); // try again next minute
      });
    }).catch(function () { /* offline: the next minute tries again */ });
  }

  // --- a newer player ----------------------------------------------------------------------------------
  function checkPlayer() {
    if (!playerVersion || playerVersion.indexOf('__') === 0) return;
    fetch('version.json', {cache: 'no-store'}).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (v) {
      if (!v || !v.version || v.version === playerVersion) return;
      var key = 'narrowcast-reload-' + v.version;
      var tried = Number(sessionStorage.getItem(key) || 0);
      if (Date.now() - tried < 10 * 60 * 1000) return; // the new page did not arrive; try later
      sessionStorage.setItem(key, String(Date.now()));
      log('nieuwe speler', v.version);
      return fetch(location.href, {cache: 'reload'}).then(function (res) {
        if (res.ok) location.reload();
      });
    }).catch(function (e) { warn('spelerversie niet te controleren', e); });
  }

  // --- start ---------------------------------------------------------------------------------------------
  window.narrowcast = {
    state: function () {
      var at = now();
      return {screen: screenId, version: manifest ? manifest.version : null, player: playerVersion,
              current: current ? current.key : null, image: current ? current.image : null,
              shown: shown ? shown.key : null, shownImage: shown ? shown.image : null,
              offsetMs: offsetMs, now: at, sseConnected: sseConnected,
              fetches: {sse: fetches.sse, poll: fetches.poll, start: fetches.start}, failures: failures,
              unsentPlays: plays.length,
              liveIds: liveIds(at), history: history.slice(), shows: shows, bitmaps: bitmaps,
              layers: stage.querySelectorAll('canvas').length};
    }
  };

  function start() {
    if (!screenId) { warn('geen scherm gekozen: open player/?screen=ID'); return; }
    if (window.isSecureContext && 'serviceWorker' in navigator) {
      navigator.serviceWorker.register('sw.js').catch(function (e) { warn('service worker', e); });
    }
    idbGet('manifests', screenId).then(function (saved) {
      if (saved && saved.manifest && !manifest) {
        offsetMs = saved.offsetMs || 0; // the last measured clock difference beats none
        etag = saved.etag || null;
        log('afspelen uit opslag', saved.manifest.version);
        adopt(saved.manifest);
      }
    }).catch(function (e) { warn('opslag niet te lezen', e); }).then(function () {
      fetchManifest('start');
      openEvents();
      setInterval(report, REPORT_MS);
      setTimeout(report, 5000); // a screen that just started shows up on the dashboard at once
    });
  }

  start();
})();
