/* Photograph — the playback page. Plain JavaScript, no build step, no network but this server. */
(function () {
  "use strict";

  const API = "/api/songs";
  const PART_COLOURS = ["#d4553e", "#e8956b", "#b5838d", "#5f8fb8", "#7fae8a", "#c9a227", "#8c6bb8"];
  const SPEAKER_COLOURS = ["#d4553e", "#5f8fb8", "#7fae8a", "#c9a227", "#b5838d", "#8c6bb8", "#e8956b"];
  const STAGES = {
    queued: "waiting for a free composer…",
    starting: "settling in…",
    reading: "reading the conversation…",
    mood: "listening for the mood…",
    composing: "writing the music…",
    rendering: "playing it through…",
    render: "playing it through…",
    saving: "keeping it in the album…",
    done: "done",
  };

  const $ = (id) => document.getElementById(id);
  const el = {
    form: $("compose-form"), chat: $("chat"), file: $("file"), fileName: $("file-name"),
    drop: $("drop"), moment: $("moment"), length: $("length"), lengthOut: $("length-out"),
    style: $("style"), seed: $("seed"), button: $("compose-button"), formError: $("form-error"),
    progress: $("progress"), progressBar: $("progress-bar"), fill: $("progress-fill"),
    stage: $("progress-stage"), song: $("song"), title: $("song-title"), meta: $("song-meta"),
    player: $("player"), roll: $("roll"), chart: $("mood-chart"), legend: $("mood-legend"),
    speakers: $("speakers"), dlMidi: $("dl-midi"), dlAudio: $("dl-audio"), dlWav: $("dl-wav"),
    dlXml: $("dl-xml"), dlScore: $("dl-score"), albumList: $("album-list"),
    albumEmpty: $("album-empty"), albumMore: $("album-more"), caption: $("roll-caption"),
  };

  const state = {
    tab: "paste", file: null, info: null, source: null,
    song: null, notes: [], messages: [], speakerColour: new Map(), raf: 0,
    timeline: [], barTimes: [], shownBar: 0,
    albumOffset: 0, albumNext: null,
  };

  /* ---------------------------------------------------------------- helpers */

  async function api(url, options) {
    const response = await fetch(url, options);
    let body = null;
    if (response.status !== 204) {
      try { body = await response.json(); } catch (e) { body = null; }
    }
    if (!response.ok) {
      const message = body && body.error ? body.error.message : `the server answered ${response.status}`;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function clock(seconds) {
    if (!isFinite(seconds)) return "–";
    const s = Math.max(0, Math.round(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function feeling(valence, arousal) {
    const v = valence || 0, a = arousal || 0;
    if (Math.abs(v) < 0.12 && Math.abs(a) < 0.12) return "even";
    if (v >= 0) return a >= 0 ? "bright" : "tender";
    return a >= 0 ? "restless" : "wistful";
  }

  function moodColour(valence, arousal) {
    const v = Math.max(-1, Math.min(1, valence || 0));
    const a = Math.max(-1, Math.min(1, arousal || 0));
    const hue = (215 + ((v + 1) / 2) * 157) % 360;  // blue (sad) … mauve … coral (warm)
    const light = 64 - a * 8;
    return `hsl(${hue.toFixed(0)}, ${(42 + Math.abs(v) * 25).toFixed(0)}%, ${light.toFixed(0)}%)`;
  }

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function fitCanvas(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const h = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { ctx, w: canvas.clientWidth, h: canvas.clientHeight };
  }

  function roundRect(ctx, x, y, w, h, r) {
    ctx.beginPath();
    if (ctx.roundRect) ctx.roundRect(x, y, w, h, Math.min(r, w / 2, h / 2));
    else ctx.rect(x, y, w, h);
    ctx.fill();
  }

  /* ------------------------------------------------------------------- form */

  function selectTab(name) {
    state.tab = name;
    document.querySelectorAll("[role=tab]").forEach((tab) => {
      const on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
    });
    document.querySelectorAll("[data-panel]").forEach((panel) => {
      panel.hidden = panel.dataset.panel !== name;
    });
    el.formError.textContent = "";
  }

  function chooseFile(file) {
    state.file = file || null;
    el.fileName.textContent = file ? `${file.name} · ${(file.size / 1024).toFixed(0)} KB` : "";
  }

  function composeBody() {
    const fields = { length: Number(el.length.value), style: el.style.value };
    if (el.seed.value !== "") fields.seed = Number(el.seed.value);
    if (state.info && state.info.musicxml) fields.musicxml = true;
    if (state.tab === "file") {
      if (!state.file) throw new Error("choose or drop a chat export first");
      const form = new FormData();
      form.append("file", state.file, state.file.name);
      Object.entries(fields).forEach(([k, v]) => form.append(k, String(v)));
      return { body: form };
    }
    if (state.tab === "moment") {
      const moment = el.moment.value.trim();
      if (!moment) throw new Error("describe a moment first");
      fields.moment = moment;
    } else {
      const chat = el.chat.value;
      if (!chat.trim()) throw new Error("paste a conversation first");
      fields.chat = chat;
    }
    return { body: JSON.stringify(fields), headers: { "Content-Type": "application/json" } };
  }

  async function submit(event) {
    event.preventDefault();
    el.formError.textContent = "";
    let request;
    try { request = composeBody(); } catch (e) { el.formError.textContent = e.message; return; }
    el.button.disabled = true;
    showProgress({ stage: "queued", progress: 0 });
    try {
      const job = await api(API, { method: "POST", ...request });
      follow(job.id, job.links.events);
    } catch (e) {
      el.formError.textContent = e.message;
      el.progress.hidden = true;
      el.button.disabled = false;
    }
  }

  function showProgress(job) {
    el.progress.hidden = false;
    const pct = Math.round(100 * (job.progress || 0));
    el.fill.style.width = `${Math.max(3, pct)}%`;
    el.progressBar.setAttribute("aria-valuenow", String(pct));
    el.stage.textContent = STAGES[job.stage] || `${job.stage}…`;
    el.progress.classList.toggle("waiting", job.stage === "queued");
  }

  function follow(id, eventsUrl) {
    if (state.source) state.source.close();
    const source = new EventSource(eventsUrl || `${API}/${encodeURIComponent(id)}/events`);
    state.source = source;
    const finish = () => { source.close(); if (state.source === source) state.source = null; el.button.disabled = false; };
    source.addEventListener("progress", (e) => showProgress(JSON.parse(e.data)));
    source.addEventListener("done", (e) => {
      finish();
      showProgress({ stage: "done", progress: 1 });
      const view = JSON.parse(e.data);
      showSong(view).then(() => { el.progress.hidden = true; });
      loadAlbum(true);
    });
    source.addEventListener("failed", (e) => {
      finish();
      el.progress.hidden = true;
      const data = JSON.parse(e.data);
      el.formError.textContent = (data.error && data.error.message) || "composing failed";
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) { finish(); poll(id); }
    };
  }

  async function poll(id) {
    el.button.disabled = true;
    try {
      for (;;) {
        const job = await api(`${API}/${encodeURIComponent(id)}`);
        if (job.status === "done") { el.progress.hidden = true; await showSong(job); loadAlbum(true); break; }
        if (job.status === "failed") { el.progress.hidden = true; el.formError.textContent = job.error.message; break; }
        showProgress(job);
        await new Promise((r) => setTimeout(r, 1000));
      }
    } catch (e) {
      el.formError.textContent = e.message;
    } finally {
      el.button.disabled = false;
    }
  }

  /* ------------------------------------------------------------------- song */

  async function showSong(view) {
    const score = await api(view.links.score);
    state.song = view;
    state.notes = (score.notes || []).slice().sort((a, b) => a.start - b.start);
    state.maxDuration = state.notes.reduce((m, n) => Math.max(m, n.duration), 0);
    state.messages = (score.mood && score.mood.messages) || [];
    state.timeline = (score.song && score.song.timeline) || [];
    state.barTimes = barTimes(score.song || {});
    state.shownBar = 0;
    state.speakerColour = new Map();
    (view.speakers || []).forEach((s, i) => state.speakerColour.set(s.name, SPEAKER_COLOURS[i % SPEAKER_COLOURS.length]));
    state.messages.forEach((m) => {
      if (!state.speakerColour.has(m.speaker)) state.speakerColour.set(m.speaker, SPEAKER_COLOURS[state.speakerColour.size % SPEAKER_COLOURS.length]);
    });

    el.song.hidden = false;
    el.title.textContent = songTitle(view);
    const mood = view.mood || {};
    el.meta.textContent = [view.key, view.tempo && `${Math.round(view.tempo)} bpm`, view.time_signature,
      view.duration_s && clock(view.duration_s), feeling(mood.valence, mood.arousal)].filter(Boolean).join(" · ");

    setAudio(view.links);
    setDownloads(view.links);
    drawSpeakers(view);
    drawChart();
    drawRoll(0);
    showCaption(0);
    document.querySelectorAll(".album-item").forEach((li) => li.classList.toggle("current", li.dataset.id === view.id));
    if (history.replaceState) history.replaceState(null, "", `#song=${encodeURIComponent(view.id)}`);
  }

  function songTitle(song) {
    if (song.title && song.title !== "Photograph") return song.title;
    return song.excerpt ? `\u201c${song.excerpt}\u201d` : "A photograph";
  }

  function setAudio(links) {
    const player = el.player;
    player.pause();
    player.replaceChildren();
    const sources = [];
    // Saved as Ogg Opus (POST "audio": "opus"): offered first, to browsers that say they play it.
    if (links.audio_opus) sources.push([links.audio_opus, 'audio/ogg; codecs="opus"']);
    if (links.audio_ogg) sources.push([links.audio_ogg, "audio/ogg"]);
    if (links.audio_wav) sources.push([links.audio_wav, "audio/wav"]);
    if (!sources.length && links.audio) sources.push([links.audio, ""]);
    sources.forEach(([src, type]) => {
      const source = document.createElement("source");
      source.src = src;
      if (type) source.type = type;
      player.appendChild(source);
    });
    player.hidden = sources.length === 0;
    player.load();
  }

  function setDownloads(links) {
    const link = (a, href) => { a.hidden = !href; if (href) a.href = `${href}?download=1`; };
    link(el.dlMidi, links.midi);
    link(el.dlAudio, links.audio);
    const kind = (links.audio || "").split(".").pop();
    el.dlAudio.textContent = `Audio (${{ wav: "WAV", opus: "Opus", flac: "FLAC", mp3: "MP3" }[kind] || "Ogg"})`;
    link(el.dlWav, links.audio && !links.audio.endsWith(".wav") ? links.audio_wav : null);
    link(el.dlXml, links.musicxml);
    link(el.dlScore, links.score);
  }

  function drawSpeakers(view) {
    el.speakers.replaceChildren();
    (view.speakers || []).forEach((s) => {
      const li = document.createElement("li");
      li.className = "speaker";
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = state.speakerColour.get(s.name) || SPEAKER_COLOURS[0];
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = s.name;
      const feel = document.createElement("span");
      feel.className = "feel";
      const count = s.messages ? `${s.messages} message${s.messages === 1 ? "" : "s"} · ` : "";
      feel.textContent = `${count}${feeling(s.valence, s.arousal)}`;
      li.append(swatch, name, feel, motifSvg(s.motif || [], swatch.style.background));
      el.speakers.appendChild(li);
    });
    // Legend: one swatch per speaker for the dots on the mood chart.
    el.legend.querySelectorAll(".speaker-key").forEach((n) => n.remove());
    state.speakerColour.forEach((colour, name) => {
      const li = document.createElement("li");
      li.className = "speaker-key";
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = colour;
      li.append(sw, document.createTextNode(name));
      el.legend.appendChild(li);
    });
  }

  function motifSvg(motif, colour) {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 200 38");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `motif: ${motif.map((m) => m[0]).join(" ")}`);
    if (!motif.length) return svg;
    const total = motif.reduce((t, m) => t + (m[1] || 1), 0) || 1;
    const steps = motif.map((m) => m[0]);
    const lo = Math.min(...steps), hi = Math.max(...steps);
    const y = (step) => (hi === lo ? 19 : 32 - ((step - lo) / (hi - lo)) * 26);
    let t = 0;
    motif.forEach(([step, beats]) => {
      const x = 4 + (t / total) * 192, w = Math.max(4, ((beats || 1) / total) * 192 - 4);
      const bar = document.createElementNS(NS, "rect");
      bar.setAttribute("x", x.toFixed(1)); bar.setAttribute("y", (y(step) - 3).toFixed(1));
      bar.setAttribute("width", w.toFixed(1)); bar.setAttribute("height", "6"); bar.setAttribute("rx", "3");
      bar.setAttribute("fill", colour);
      svg.appendChild(bar);
      t += beats || 1;
    });
    return svg;
  }

  /* ------------------------------------------------------------ piano roll */

  function rollWindow() { return el.roll.clientWidth < 500 ? 6 : 10; }

  function drawRoll(time) {
    const { ctx, w, h } = fitCanvas(el.roll);
    ctx.clearRect(0, 0, w, h);
    const notes = state.notes;
    if (!notes.length) return;
    let lo = 127, hi = 0;
    notes.forEach((n) => { lo = Math.min(lo, n.pitch); hi = Math.max(hi, n.pitch); });
    lo -= 2; hi += 2;
    const span = rollWindow(), lead = 0.22 * span, t0 = time - lead;
    const rowH = h / (hi - lo + 1), pxPerS = w / span;
    const ink = cssVar("--ink") || "#3a2825";

    // Faint lines at every C.
    ctx.globalAlpha = 0.08;
    ctx.fillStyle = ink;
    for (let p = Math.ceil(lo / 12) * 12; p <= hi; p += 12) ctx.fillRect(0, h - (p - lo + 1) * rowH, w, 1);

    // Notes that overlap [t0, t0 + span]: binary search the first that may.
    let i = 0, j = notes.length;
    const from = t0 - state.maxDuration;
    while (i < j) { const m = (i + j) >> 1; if (notes[m].start < from) i = m + 1; else j = m; }
    for (; i < notes.length; i++) {
      const n = notes[i];
      if (n.start > t0 + span) break;
      if (n.start + n.duration < t0) continue;
      const x = (n.start - t0) * pxPerS, width = Math.max(2, n.duration * pxPerS - 1);
      const y = h - (n.pitch - lo + 1) * rowH, height = Math.max(2, rowH - 1);
      const sounding = n.start <= time && time < n.start + n.duration;
      const past = n.start + n.duration <= time;
      ctx.globalAlpha = sounding ? 1 : past ? 0.62 : 0.6 + 0.4 * (n.velocity / 127);
      ctx.fillStyle = PART_COLOURS[n.part % PART_COLOURS.length];
      ctx.shadowBlur = sounding ? 10 : 0;
      ctx.shadowColor = ctx.fillStyle;
      roundRect(ctx, x, y, width, height, 3);
    }
    ctx.shadowBlur = 0;

    // The playhead.
    ctx.globalAlpha = 0.35;
    ctx.fillStyle = cssVar("--accent") || "#d4553e";
    ctx.fillRect(Math.round(lead * pxPerS), 0, 2, h);
    ctx.globalAlpha = 1;
  }

  /* ----------------------------------------------- the message of each bar */

  // Seconds at the start of every bar, through the song's tempo changes (section tempi
  // and the final ritardando), from score.json's tempo, metre and tempo_changes.
  function barTimes(song) {
    const [num, den] = String(song.time_signature || "4/4").split("/").map(Number);
    const bpb = (num * 4) / (den || 4), tempo = song.tempo || 120;
    const changes = song.tempo_changes || [];
    const at = (beat) => {
      let out = 0, t = 0, bpm = tempo;
      for (const [b, v] of changes) { if (b >= beat) break; out += ((b - t) * 60) / bpm; t = b; bpm = v; }
      return out + ((beat - t) * 60) / bpm;
    };
    return Array.from({ length: (song.bars || 0) + 1 }, (_, i) => at(i * bpb));
  }

  // Under the roll: the message(s) the bar now playing came from.
  function showCaption(time) {
    const times = state.barTimes;
    let bar = 0;
    while (bar + 1 < times.length - 1 && times[bar + 1] <= time) bar++;
    if (bar + 1 === state.shownBar || !el.caption) return;
    state.shownBar = bar + 1;
    const entry = state.timeline[bar];
    el.caption.textContent = "";
    if (!entry) return;
    const said = (entry.messages || []).map((i) => state.messages[i]).filter(Boolean);
    if (!said.length) { el.caption.textContent = `bar ${entry.bar} \u00b7 ${entry.section}`; return; }
    said.forEach((m, k) => {
      if (k) el.caption.append(" \u00b7 ");
      const who = document.createElement("strong");
      who.textContent = `${m.speaker}: `;
      who.style.color = state.speakerColour.get(m.speaker) || "";
      el.caption.append(who, m.text.length > 140 ? `${m.text.slice(0, 139)}\u2026` : m.text);
    });
  }

  function tick() {
    showCaption(el.player.currentTime);
    drawRoll(el.player.currentTime);
    drawChart();
    state.raf = el.player.paused ? 0 : requestAnimationFrame(tick);
  }

  function startTicking() { if (!state.raf) state.raf = requestAnimationFrame(tick); }

  /* ------------------------------------------------------------- mood chart */

  function drawChart() {
    const { ctx, w, h } = fitCanvas(el.chart);
    ctx.clearRect(0, 0, w, h);
    const song = state.song;
    if (!song) return;
    const arc = song.arc || [];
    const messages = state.messages;
    const n = Math.max(messages.length, arc.length, 2);
    const padX = 14, padTop = 22, padBottom = 14;
    const x = (i) => padX + (i / (n - 1)) * (w - 2 * padX);
    const y = (v) => padTop + (1 - (v + 1) / 2) * (h - padTop - padBottom);
    const ink = cssVar("--ink") || "#3a2825";

    // Sections of the conversation: alternate bands, a numeral on top.
    (song.segments || []).forEach((seg, k) => {
      // A band spans its messages, meeting the next band halfway between two messages.
      const x0 = Math.max(padX, x(seg.start - 0.5)), x1 = Math.min(w - padX, x(seg.end - 0.5));
      ctx.globalAlpha = k % 2 ? 0.07 : 0.03;
      ctx.fillStyle = ink;
      ctx.fillRect(x0, padTop - 6, Math.max(1, x1 - x0), h - padTop - padBottom + 12);
      ctx.globalAlpha = 0.45;
      ctx.font = "italic 12px Georgia, serif";
      ctx.fillText(roman(k + 1), x0 + 5, 14);
    });

    // The zero line.
    ctx.globalAlpha = 0.18;
    ctx.fillStyle = ink;
    ctx.fillRect(padX, Math.round(y(0)), w - 2 * padX, 1);

    // Every message's valence, coloured by who spoke.
    const stride = Math.max(1, Math.floor(messages.length / 1500));
    for (let i = 0; i < messages.length; i += stride) {
      const m = messages[i];
      ctx.globalAlpha = 0.5;
      ctx.fillStyle = state.speakerColour.get(m.speaker) || ink;
      ctx.beginPath();
      ctx.arc(x(messages.length > 1 ? (i * (n - 1)) / (messages.length - 1) : 0), y(m.valence || 0), 2.6, 0, 2 * Math.PI);
      ctx.fill();
    }

    // The arc: valence and arousal, smoothed.
    const line = (key, colour, width) => {
      if (!arc.length) return;
      const pts = arc.map((p, i) => [x(arc.length > 1 ? (i * (n - 1)) / (arc.length - 1) : 0), y(p[key] || 0)]);
      ctx.globalAlpha = 0.95;
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.lineJoin = ctx.lineCap = "round";
      ctx.beginPath();
      ctx.moveTo(pts[0][0], pts[0][1]);
      for (let i = 1; i < pts.length; i++) {
        const [px, py] = pts[i - 1], [cx, cy] = pts[i];
        ctx.quadraticCurveTo(px, py, (px + cx) / 2, (py + cy) / 2);
      }
      ctx.lineTo(pts[pts.length - 1][0], pts[pts.length - 1][1]);
      ctx.stroke();
    };
    line("arousal", cssVar("--arousal") || "#5f8fb8", 2);
    line("valence", cssVar("--accent") || "#d4553e", 2.6);

    // Where the music is, mapped onto the conversation.
    const duration = el.player.duration;
    if (isFinite(duration) && duration > 0 && el.player.currentTime > 0) {
      ctx.globalAlpha = 0.4;
      ctx.fillStyle = ink;
      ctx.fillRect(x((el.player.currentTime / duration) * (n - 1)), padTop - 6, 1.5, h - padTop - padBottom + 12);
    }
    ctx.globalAlpha = 1;
  }

  function roman(k) {
    const r = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"];
    return r[k] || String(k);
  }

  /* ------------------------------------------------------------------ album */

  async function loadAlbum(reset) {
    if (reset) state.albumOffset = 0;
    let page;
    try {
      page = await api(`${API}?limit=12&offset=${state.albumOffset}`);
    } catch (e) {
      return;
    }
    if (reset) el.albumList.replaceChildren();
    page.items.forEach((item) => el.albumList.appendChild(albumItem(item)));
    state.albumOffset = page.offset + page.items.length;
    el.albumMore.hidden = !page.next;
    el.albumEmpty.hidden = page.total > 0;
  }

  function albumItem(item) {
    const li = document.createElement("li");
    li.className = "album-item";
    li.dataset.id = item.id;
    if (state.song && state.song.id === item.id) li.classList.add("current");
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.style.background = moodColour(item.mood && item.mood.valence, item.mood && item.mood.arousal);
    const open = document.createElement("button");
    open.type = "button";
    open.className = "open";
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = songTitle(item);
    const sub = document.createElement("span");
    sub.className = "sub";
    const when = item.created ? new Date(item.created) : null;
    sub.textContent = [when && !isNaN(when) ? when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : null,
      item.key, item.duration_s && clock(item.duration_s)].filter(Boolean).join(" · ");
    open.append(title, sub);
    const del = document.createElement("button");
    del.type = "button";
    del.className = "delete";
    del.title = "Delete";
    del.setAttribute("aria-label", `Delete ${title.textContent}`);
    del.textContent = "×";
    const load = async () => {
      try { await showSong(await api(item.links.self)); el.song.scrollIntoView({ behavior: "smooth" }); }
      catch (e) { el.formError.textContent = e.message; }
    };
    open.addEventListener("click", load);
    dot.addEventListener("click", load);
    del.addEventListener("click", async (event) => {
      event.stopPropagation();
      if (!window.confirm("Delete this photograph? It cannot be undone.")) return;
      try {
        await api(item.links.self, { method: "DELETE" });
        if (state.song && state.song.id === item.id) { el.player.pause(); el.song.hidden = true; state.song = null; }
        loadAlbum(true);
      } catch (e) { el.formError.textContent = e.message; }
    });
    li.append(dot, open, del);
    return li;
  }

  /* ------------------------------------------------------------------- init */

  async function loadInfo() {
    try {
      const info = await api("/api/info");
      state.info = info;
      el.style.replaceChildren();
      info.styles.forEach((s) => {
        const o = document.createElement("option");
        o.value = o.textContent = s;
        el.style.appendChild(o);
      });
      el.length.min = String(Math.max(20, info.limits.min_length_s));
      el.length.max = String(Math.min(300, info.limits.max_length_s));
    } catch (e) { /* keep the defaults in the page */ }
  }

  function wire() {
    document.querySelectorAll("[role=tab]").forEach((tab) => {
      tab.addEventListener("click", () => selectTab(tab.dataset.tab));
      tab.addEventListener("keydown", (e) => {
        const tabs = Array.from(document.querySelectorAll("[role=tab]"));
        const k = tabs.indexOf(tab);
        const next = e.key === "ArrowRight" ? tabs[(k + 1) % tabs.length] : e.key === "ArrowLeft" ? tabs[(k + tabs.length - 1) % tabs.length] : null;
        if (next) { e.preventDefault(); selectTab(next.dataset.tab); next.focus(); }
      });
    });
    el.length.addEventListener("input", () => { el.lengthOut.textContent = clock(Number(el.length.value)); });
    el.lengthOut.textContent = clock(Number(el.length.value));
    el.file.addEventListener("change", () => chooseFile(el.file.files[0]));
    ["dragenter", "dragover"].forEach((t) => el.drop.addEventListener(t, (e) => { e.preventDefault(); el.drop.classList.add("over"); }));
    ["dragleave", "drop"].forEach((t) => el.drop.addEventListener(t, () => el.drop.classList.remove("over")));
    el.drop.addEventListener("drop", (e) => { e.preventDefault(); if (e.dataTransfer.files.length) chooseFile(e.dataTransfer.files[0]); });
    // A file dropped anywhere on the page goes to the drop zone.
    window.addEventListener("dragover", (e) => e.preventDefault());
    window.addEventListener("drop", (e) => {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) { selectTab("file"); chooseFile(e.dataTransfer.files[0]); }
    });
    el.form.addEventListener("submit", submit);
    el.player.addEventListener("play", startTicking);
    el.player.addEventListener("seeked", () => { showCaption(el.player.currentTime); drawRoll(el.player.currentTime); drawChart(); });
    el.player.addEventListener("loadedmetadata", () => { drawRoll(el.player.currentTime); });
    el.roll.addEventListener("click", (e) => {
      if (!state.song || !isFinite(el.player.duration)) return;
      const rect = el.roll.getBoundingClientRect();
      const span = rollWindow();
      const t = el.player.currentTime - 0.22 * span + ((e.clientX - rect.left) / rect.width) * span;
      el.player.currentTime = Math.max(0, Math.min(el.player.duration, t));
    });
    el.albumMore.addEventListener("click", () => loadAlbum(false));
    document.addEventListener("photograph:album-changed", () => loadAlbum(true));
    let resizeTimer = 0;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => { if (state.song) { drawRoll(el.player.currentTime); drawChart(); } }, 100);
    });
  }

  async function init() {
    wire();
    await loadInfo();
    await loadAlbum(true);
    const match = /^#song=([A-Za-z0-9._-]+)$/.exec(location.hash);
    if (match) {
      try {
        const job = await api(`${API}/${match[1]}`);
        if (job.status === "done") await showSong(job);
        else if (job.status !== "failed") { el.button.disabled = true; follow(job.id, job.links.events); }
      } catch (e) { /* an old link: ignore */ }
    }
  }

  init();
})();
