// narrowcast player: everything with the server. Fetches the manifest (with its ETag), checks it
// and its pictures before playback adopts it, listens for push (SSE) and polls with back-off,
// sends heartbeats and proof of play, reloads for a newer player, and starts the player.
(function (nc) {
  'use strict';

  var MAX_BACKOFF_MS = 5 * 60 * 1000;
  var SAFETY_POLLS = 10;            // with push connected, still poll every 10 × poll_seconds
  var SSE_RETRY_MS = 10 * 60 * 1000; // a host without push (404) is asked again only this often
  var REPORT_MS = 60 * 1000;        // heartbeat and play reports once a minute
  var MAX_PLAYS = 100;              // unsent play events kept while the server is away (oldest dropped)

  var screenId = nc.screenId, manifestUrl = nc.manifestUrl, playerVersion = nc.playerVersion;
  var manifestProblem = nc.manifest.problem, resolveManifest = nc.manifest.resolve;
  var playable = nc.manifest.playable, imagesOf = nc.manifest.imagesOf;
  var isText = nc.manifest.isText, shortText = nc.manifest.shortText, mediaName = nc.manifest.mediaName;
  var idbGet = nc.store.get, idbPut = nc.store.put, collectGarbage = nc.store.collectGarbage;
  var playback = nc.playback;
  var log = nc.log, warn = nc.warn, now = nc.now;

  var etag = null;
  var pollTimer = null;
  var source = null;     // EventSource
  var sseConnected = false, sseEverOpened = false, sseFailedAt = null;
  var announced = null;  // newest version announced by push
  var inFlight = false, fetchAgain = null;
  var failures = 0;
  var fetches = {start: 0, sse: 0, poll: 0};
  var plays = [];                   // bounded: at most MAX_PLAYS
  var reportsOffUntil = 0;          // a static host has no API: ask again only after a while
  var problem = null;               // why the newest manifest was not adopted (Dutch, for the heartbeat)
  var collecting = Promise.resolve(); // the last garbage collection: the next manifest's pictures wait for it

  function playing() { return playback.manifest(); } // the manifest on screen, or null

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
        setProblem(playing() ? e.message : 'geen geldige inhoud: ' + e.message);
        online(false);
        checkPlayer(); // a newer player may read what this one refuses
      } else {
        warn('manifest niet op te halen (' + reason + ')', e && e.message ? e.message : e);
      }
      if (!playing()) playback.showNotice(e && e.refused ? nc.NO_CONTENT : e && e.status === 404 ? unknownScreen() : nc.NO_SERVER, null);
    }).then(function () {
      inFlight = false;
      schedulePoll();
      var again = fetchAgain;
      fetchAgain = null;
      if (again && (again !== 'sse' || (announced && playing() && announced !== playing().version))) fetchManifest(again);
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
    nc.offsetMs = Math.round(server + 500 - (t0 + t1) / 2); // a Date header is whole seconds
  }

  // A manifest is adopted only when its shape is right and every picture it names is stored and
  // decodes; then it is stored, played, and only then are pictures no stored manifest names deleted.
  // Otherwise the promise rejects with a refusal and the last good manifest plays on.
  function accept(raw, tag) {
    var why = manifestProblem(raw);
    if (why) return Promise.reject(refusal(raw, why));
    if (playing() && raw.version === playing().version) { etag = tag || etag; return Promise.resolve(false); }
    var next = resolveManifest(raw);
    var urls = imagesOf(next).filter(function (u, i, all) { return all.indexOf(u) === i; });
    return collecting.then(function () { return verifyImages(urls); }).then(function (bad) {
      if (bad) throw refusal(raw, bad);
      return idbPut('manifests', screenId, {manifest: next, etag: tag, offsetMs: nc.offsetMs, saved: Date.now()})
        .then(function () { return true; }, function (e) { warn('manifest niet opgeslagen', e); return false; });
    }).then(function (saved) {
      etag = tag;
      playback.adopt(next);
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
            if (!nc.store.missing()) throw new Error('is niet op te slaan (' + (e && e.name ? e.name : e) + ')');
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

  // --- push, polling, back-off ------------------------------------------------------------------------
  function pollDelay() {
    var base = (playing() ? playing().poll : 30) * 1000;
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
    source = new EventSource(nc.eventsUrl);
    source.onopen = function () {
      sseConnected = true;
      sseEverOpened = true;
      schedulePoll();
    };
    source.addEventListener('version', function (ev) {
      var v = null;
      try { v = JSON.parse(ev.data).version; } catch (e) { return; }
      announced = v;
      if (!playing() || v !== playing().version) fetchManifest('sse');
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
  // Playback calls this when a turn ends: item `id` was on screen from `since` to `at` (corrected ms).
  function played(id, since, at) {
    plays.push({item: id, start: new Date(since).toISOString(), seconds: Math.round(at - since) / 1000});
    if (plays.length > MAX_PLAYS) plays.shift();
  }

  function post(path, body) {
    var headers = {'Content-Type': 'application/json'};
    if (nc.screenKey) headers['X-Screen-Key'] = nc.screenKey;
    return fetch(nc.apiBase + path, {method: 'POST', headers: headers, body: JSON.stringify(body), cache: 'no-store'});
  }

  function report() {
    if (Date.now() < reportsOffUntil || !screenId) return;
    var beat = {version: playing() ? playing().version : null, item: playback.currentId(),
                resolution: screen.width + 'x' + screen.height, user_agent: navigator.userAgent,
                offset_ms: Math.round(nc.offsetMs), problem: problem || playback.noticeWhy()};
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
  // The test hook (window.narrowcast.state): what is on screen and how the player stands with the server.
  function state() {
    var at = now();
    return Object.assign(playback.view(at), {
      screen: screenId, version: playing() ? playing().version : null, player: playerVersion,
      offsetMs: nc.offsetMs, now: at, sseConnected: sseConnected,
      fetches: {sse: fetches.sse, poll: fetches.poll, start: fetches.start}, failures: failures,
      unsentPlays: plays.length, problem: problem || playback.noticeWhy()});
  }

  function start() {
    if (!screenId) {
      warn('geen scherm gekozen: open player/?screen=ID');
      playback.showNotice('Geen scherm gekozen. Zet de naam van het scherm in het adres: player/?screen=NAAM', null);
      return;
    }
    if (window.isSecureContext && 'serviceWorker' in navigator) {
      navigator.serviceWorker.register('sw.js').catch(function (e) { warn('service worker', e); });
    }
    idbGet('manifests', screenId).then(function (saved) {
      if (saved && playable(saved.manifest) && !playing()) {
        nc.offsetMs = saved.offsetMs || 0; // the last measured clock difference beats none
        etag = saved.etag || null;
        log('afspelen uit opslag', saved.manifest.version);
        playback.adopt(saved.manifest);
      }
    }).catch(function (e) { warn('opslag niet te lezen', e); }).then(function () {
      fetchManifest('start');
      openEvents();
      setInterval(report, REPORT_MS);
      setTimeout(report, 5000); // a screen that just started shows up on the dashboard at once
    });
  }

  nc.sync = {played: played};
  nc.state = state;
  start();
})(window.narrowcast);
