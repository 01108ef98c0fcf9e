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
  var problem = null;               // why the newest manifest was not adopted (Dutch, for the heartbeat)
  var notice = null, noticeWhy = null; // the text shown when there is nothing to play, and why
  var dbMissing = false;            // no IndexedDB at all: pictures then come from the network only
  var collecting = Promise.resolve(); // the last garbage collection: the next manifest's pictures wait for it
  var NO_CONTENT = 'Geen geldige inhoud; de beheerder is gewaarschuwd';
  var NO_SERVER = 'Nog geen inhoud: de server is niet bereikbaar. Het scherm probeert het opnieuw.';

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
      dbPromise.catch(function (e) { dbMissing = true; warn('IndexedDB niet beschikbaar', e); });
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
  // Why a fetched manifest cannot be played (Dutch, for the heartbeat), or null. A wrong shape is
  // refused whole, so the last good manifest plays on; nothing below has to guard against it.
  function manifestProblem(raw) {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'het manifest is geen object';
    if (raw.schema !== 1) return 'onbekend schema ' + shortText(raw.schema);
    if (raw.screen !== screenId) return 'het manifest is voor scherm ' + shortText(raw.screen);
    if (!isText(raw.version)) return 'version ontbreekt';
    if (!Array.isArray(raw.items)) return 'items is geen lijst';
    if (raw.poll_seconds != null && !isPositive(raw.poll_seconds)) return 'poll_seconds is geen getal';
    for (var k = 0; k < raw.items.length; k++) {
      var why = itemProblem(raw.items[k], true), i = raw.items[k];
      if (why) return 'item ' + (k + 1) + (i && isText(i.id) ? ' (' + shortText(i.id) + ')' : '') + ': ' + why;
    }
    var fb = itemProblem(raw.fallback, false);
    return fb ? 'fallback: ' + fb : null;
  }

  function itemProblem(i, timed) {
    if (!i || typeof i !== 'object' || Array.isArray(i)) return 'ontbreekt of is geen object';
    if (!isText(i.id)) return 'id ontbreekt';
    if (!isText(i.image)) return 'afbeelding (image) ontbreekt';
    try { new URL(i.image, manifestUrl); } catch (e) { return 'afbeelding (image) is geen adres'; }
    if (i.duration != null && !isPositive(i.duration)) return 'duration is geen getal';
    if (timed && i.intervals != null && !intervalsOk(i.intervals)) return 'intervals kloppen niet';
    return null;
  }

  function intervalsOk(list) {
    return Array.isArray(list) && list.every(function (iv) {
      return Array.isArray(iv) && iv.length === 2 && isText(iv[0]) && isText(iv[1]) && Date.parse(iv[0]) <= Date.parse(iv[1]);
    });
  }

  function isText(v) { return typeof v === 'string' && v.length > 0; }
  function isPositive(v) { return typeof v === 'number' && isFinite(v) && v > 0; }
  function shortText(v) { return String(v).slice(0, 40); }
  function mediaName(url) { return String(url).split('/').pop(); }

  // A stored manifest is already resolved; one saved by an older player may lack parts.
  function playable(m) {
    return !!m && Array.isArray(m.items) && !!m.fallback && typeof m.fallback.image === 'string' &&
      m.items.every(function (i) { return i && typeof i.image === 'string' && Array.isArray(i.edges); });
  }

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
      if (token !== showToken || shown) return;
      if (manifest && manifest.fallback && entry.image !== manifest.fallback.image) display(entryOf(manifest.fallback, true));
      else showNotice(NO_CONTENT, 'geen beeld op het scherm: afbeelding ' + mediaName(entry.image) + ' niet te laden');
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
      if (res.status !== 200 && res.status !== 304) throw httpError(res.status);
      measureOffset(res.headers.get('Date'), t0, t1);
      if (res.status === 304) return false;
      var tag = res.headers.get('ETag');
      return res.json().catch(function () { throw refusal(null, 'het manifest is geen geldige JSON'); }).then(function (raw) {
        if (raw && !res.headers.get('Date') && raw.server_time) measureOffset(new Date(Date.parse(raw.server_time)).toUTCString(), t1, t1);
        return accept(raw, tag);
      });
    }).then(function () {
      var recovered = failures > 0;
      failures = 0;
      setProblem(null);
      online(recovered);
      checkPlayer();
    }, function (e) {
      failures++; // a refused manifest is tried again with the same back-off as a failed fetch
      if (e && e.refused) {
        setProblem(manifest ? e.message : 'geen geldige inhoud: ' + e.message);
        online(false);
        checkPlayer(); // a newer player may read what this one refuses
      } else {
        warn('manifest niet op te halen (' + reason + ')', e && e.message ? e.message : e);
      }
      if (!manifest) showNotice(e && e.refused ? NO_CONTENT : e && e.status === 404 ? unknownScreen() : NO_SERVER, null);
    }).then(function () {
      inFlight = false;
      schedulePoll();
      var again = fetchAgain;
      fetchAgain = null;
      if (again && (again !== 'sse' || (announced && manifest && announced !== manifest.version))) fetchManifest(again);
    });
  }

  function httpError(status) {
    var e = new Error('HTTP ' + status);
    e.status = status;
    return e;
  }

  function unknownScreen() {
    return 'Geen inhoud voor scherm "' + screenId + '". Klopt de naam van het scherm in het adres (?screen=NAAM)?';
  }

  function measureOffset(date, t0, t1) {
    var server = Date.parse(date || '');
    if (isNaN(server)) return;
    offsetMs = Math.round(server + 500 - (t0 + t1) / 2); // a Date header is whole seconds
  }

  // A manifest is adopted only when its shape is right and every picture it names is stored and
  // decodes; then it is stored, played, and only then are pictures no stored manifest names deleted.
  // Otherwise the promise rejects with a refusal and the last good manifest plays on.
  function accept(raw, tag) {
    var why = manifestProblem(raw);
    if (why) return Promise.reject(refusal(raw, why));
    if (manifest && raw.version === manifest.version) { etag = tag || etag; return Promise.resolve(false); }
    var next = resolveManifest(raw);
    var urls = imagesOf(next).filter(function (u, i, all) { return all.indexOf(u) === i; });
    return collecting.then(function () { return verifyImages(urls); }).then(function (bad) {
      if (bad) throw refusal(raw, bad);
      return idbPut('manifests', screenId, {manifest: next, etag: tag, offsetMs: offsetMs, saved: Date.now()})
        .then(function () { return true; }, function (e) { warn('manifest niet opgeslagen', e); return false; });
    }).then(function (saved) {
      etag = tag;
      adopt(next);
      // Unsaved, the stored manifest still names the old pictures: collecting would delete the new ones.
      if (saved) collecting = collectGarbage();
      return true;
    });
  }

  function refusal(raw, why) {
    var e = new Error('nieuwe versie ' + shortText(raw && isText(raw.version) ? raw.version : '?') + ' niet overgenomen: ' + why);
    e.refused = true;
    return e;
  }

  // One picture at a time, so only one is decoded at once. Resolves with what is wrong (Dutch) or
  // null; the pictures that are fine stay stored either way, so a retry fetches only what failed.
  function verifyImages(urls) {
    var first = null, more = 0;
    return urls.reduce(function (chain, url) {
      return chain.then(function () { return storeImage(url); }).then(null, function (e) {
        if (first) more++; else first = 'afbeelding ' + mediaName(url) + ' ' + e.message;
      });
    }, Promise.resolve()).then(function () {
      return first && more ? first + ' (en nog ' + more + ')' : first;
    });
  }

  function storeImage(url) {
    return idbGet('images', url).catch(function () { return null; }).then(function (have) {
      return have ? decodes(have) : false;
    }).then(function (ok) {
      if (ok) return;
      // no-cache: media are cached as immutable, and a damaged copy must be asked for again
      return fetch(url, {cache: 'no-cache'}).then(function (res) {
        if (!res.ok) throw new Error('geeft HTTP ' + res.status);
        return res.blob();
      }, function () { throw new Error('is niet op te halen'); }).then(function (blob) {
        return decodes(blob).then(function (good) {
          if (!good) throw new Error('is geen leesbaar beeld');
          return idbPut('images', url, blob).catch(function (e) {
            if (!dbMissing) throw new Error('is niet op te slaan (' + (e && e.name ? e.name : e) + ')');
          });
        });
      });
    });
  }

  function decodes(blob) {
    return createImageBitmap(blob).then(function (bitmap) {
      var ok = bitmap.width > 0 && bitmap.height > 0;
      bitmap.close();
      return ok;
    }, function () { return false; });
  }

  function setProblem(text) {
    text = text ? String(text).slice(0, 300) : null;
    if (text === problem) return;
    problem = text;
    if (text) warn(text);
    setTimeout(report, 1000); // the dashboard hears of it now, not in a minute
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
                offset_ms: Math.round(offsetMs), problem: problem || noticeWhy};
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
              unsentPlays: plays.length, problem: problem || noticeWhy,
              notice: notice ? notice.textContent : null,
              liveIds: liveIds(at), history: history.slice(), shows: shows, bitmaps: bitmaps,
              layers: stage.querySelectorAll('canvas').length};
    }
  };

  function start() {
    if (!screenId) {
      warn('geen scherm gekozen: open player/?screen=ID');
      showNotice('Geen scherm gekozen. Zet de naam van het scherm in het adres: player/?screen=NAAM', null);
      return;
    }
    if (window.isSecureContext && 'serviceWorker' in navigator) {
      navigator.serviceWorker.register('sw.js').catch(function (e) { warn('service worker', e); });
    }
    idbGet('manifests', screenId).then(function (saved) {
      if (saved && playable(saved.manifest) && !manifest) {
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
