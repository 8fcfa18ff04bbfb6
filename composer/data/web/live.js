/* Photograph — Live mode: a WebSocket session, Opus packets decoded with WebCodecs and
   scheduled on an AudioContext behind a jitter buffer, a piano roll and mood line that grow. */
(function () {
  "use strict";

  const API = "/api/live";
  const JITTER_S = 0.15;  // the jitter buffer: music plays this long after its first packet
  const PACKET_S = 0.02;  // one Opus packet: 20 ms at 48 kHz
  const WINDOW_S = 12;  // seconds of music the roll shows
  const COLOURS = ["#d4553e", "#e8956b", "#b5838d", "#5f8fb8", "#7fae8a"];

  const $ = (id) => document.getElementById(id);
  const el = {
    start: $("live-start"), end: $("live-end"), status: $("live-status"), form: $("live-form"),
    speaker: $("live-speaker"), text: $("live-text"), join: $("live-join"), link: $("live-link"),
    roll: $("live-roll"), mood: $("live-mood"),
  };
  if (!el.start) return;

  const st = {
    ws: null, ctx: null, decoder: null, t0: null, underruns: 0, packets: 0, scheduled: 0,
    notes: [], bars: [], responses: 0, saved: null, raf: 0, ended: false, last: 0,
  };

  /* What the browser test reads: the audio clock, underruns, what has grown. */
  window.photographLive = () => ({
    clock: st.ctx ? st.ctx.currentTime : 0, underruns: st.underruns, packets: st.packets,
    scheduled: st.scheduled, notes: st.notes.length, bars: st.bars.length,
    responses: st.responses, saved: st.saved, music: musicTime(),
  });

  function say(text) { el.status.textContent = text; }

  function musicTime() {  // where the music is (it stops with the last packet)
    if (!st.ctx || st.t0 === null) return 0;
    const t = Math.max(0, st.ctx.currentTime - st.t0);
    return st.ws && st.ws.readyState === WebSocket.CLOSED ? Math.min(t, st.last) : t;
  }

  async function start() {
    el.start.disabled = true;
    say("starting…");
    try {
      const response = await fetch(API, { method: "POST" });
      const body = await response.json();
      if (!response.ok) throw new Error(body && body.error ? body.error.message : `the server answered ${response.status}`);
      join(body.id, body.token);
    } catch (e) {
      say(e.message);
      el.start.disabled = false;
    }
  }

  function join(id, token) {
    if (!("AudioDecoder" in window)) { say("this browser cannot decode the live stream (no WebCodecs)"); return; }
    st.ctx = new AudioContext({ sampleRate: 48000, latencyHint: "interactive" });
    st.ctx.resume();
    st.decoder = new AudioDecoder({ output: play, error: (e) => say(`audio: ${e.message}`) });
    st.decoder.configure({ codec: "opus", sampleRate: 48000, numberOfChannels: 2 });
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}${API}/${id}?token=${encodeURIComponent(token)}`);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (event) => (typeof event.data === "string" ? onEvent(JSON.parse(event.data)) : onAudio(event.data));
    ws.onopen = () => {
      say("playing — write something");
      el.form.hidden = false;
      el.end.disabled = false;
      el.start.disabled = true;
      el.join.hidden = false;
      el.link.href = `#live=${id}&token=${encodeURIComponent(token)}`;
      el.text.focus();
    };
    ws.onclose = () => {
      el.form.hidden = true;
      el.end.disabled = true;
      el.start.disabled = false;
      if (!st.saved) say(st.ended ? "ended" : "the session closed");
    };
    st.ws = ws;
    if (!st.raf) st.raf = requestAnimationFrame(draw);
  }

  function onAudio(buffer) {
    const view = new DataView(buffer);
    let index = view.getUint32(0);
    let pos = 4;
    while (pos + 2 <= buffer.byteLength) {
      const n = view.getUint16(pos);
      pos += 2;
      const data = new Uint8Array(buffer, pos, n);
      st.decoder.decode(new EncodedAudioChunk({ type: "key", timestamp: index * PACKET_S * 1e6, data }));
      pos += n;
      index += 1;
    }
  }

  function play(audio) {
    const index = Math.round(audio.timestamp / (PACKET_S * 1e6));
    if (st.t0 === null) st.t0 = st.ctx.currentTime + JITTER_S - index * PACKET_S;
    const when = st.t0 + index * PACKET_S;
    st.last = Math.max(st.last, (index + 1) * PACKET_S);
    const frames = audio.numberOfFrames;
    const buffer = st.ctx.createBuffer(2, frames, audio.sampleRate);
    for (let c = 0; c < 2; c++) {
      const plane = new Float32Array(frames);
      audio.copyTo(plane, { planeIndex: Math.min(c, audio.numberOfChannels - 1), format: "f32-planar" });
      buffer.copyToChannel(plane, c);
    }
    audio.close();
    st.packets += 1;
    if (when < st.ctx.currentTime) { st.underruns += 1; return; }  // too late to be heard
    const source = st.ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(st.ctx.destination);
    source.start(when);
    st.scheduled += 1;
  }

  function onEvent(ev) {
    if (ev.type === "notes") for (const n of ev.notes) st.notes.push(n);
    else if (ev.type === "bar") st.bars.push(ev);
    else if (ev.type === "response") { st.responses += 1; say(`♪ answered ${ev.speaker} in bar ${ev.bar} (${ev.kind})`); }
    else if (ev.type === "saved") {
      st.saved = ev.song;
      say("kept in the album");
      document.dispatchEvent(new CustomEvent("photograph:album-changed"));
    } else if (ev.type === "error") say(ev.message);
  }

  function send(event) {
    event.preventDefault();
    const text = el.text.value.trim();
    const speaker = el.speaker.value.trim() || "Me";
    if (!text || !st.ws || st.ws.readyState !== WebSocket.OPEN) return;
    st.ws.send(JSON.stringify({ type: "message", speaker, text }));
    el.text.value = "";
  }

  function end() {
    if (st.ws && st.ws.readyState === WebSocket.OPEN) {
      st.ws.send(JSON.stringify({ type: "end" }));
      st.ended = true;
      say("ending — the last cadence, then saving…");
      el.end.disabled = true;
    }
  }

  function fit(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const h = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, canvas.clientWidth, canvas.clientHeight);
    return { ctx, w: canvas.clientWidth, h: canvas.clientHeight };
  }

  function draw() {
    st.raf = requestAnimationFrame(draw);
    const now = musicTime();
    const from = Math.max(0, now - WINDOW_S * 0.75);
    const to = from + WINDOW_S;
    const roll = fit(el.roll);
    const x = (t) => ((t - from) / (to - from)) * roll.w;
    const y = (p) => roll.h - ((p - 24) / (100 - 24)) * roll.h;
    for (const [part, pitch, start, dur] of st.notes) {
      if (start > to || start + dur < from) continue;
      roll.ctx.globalAlpha = start <= now ? 0.9 : 0.6;
      roll.ctx.fillStyle = COLOURS[part % COLOURS.length];
      roll.ctx.fillRect(x(start), y(pitch) - 2, Math.max(2, x(start + dur) - x(start) - 1), 4);
    }
    roll.ctx.globalAlpha = 0.35;
    roll.ctx.fillStyle = "#888";
    roll.ctx.fillRect(x(now), 0, 1, roll.h);
    const mood = fit(el.mood);
    const last = st.bars.length ? st.bars[st.bars.length - 1].time : 1;
    const mx = (t) => (t / Math.max(last, 1)) * mood.w;
    const my = (v) => mood.h / 2 - v * (mood.h / 2 - 4);
    [["valence", "#d4553e"], ["arousal", "#5f8fb8"]].forEach(([name, colour]) => {
      mood.ctx.globalAlpha = 0.9;
      mood.ctx.strokeStyle = colour;
      mood.ctx.lineWidth = 2;
      mood.ctx.beginPath();
      st.bars.forEach((b, i) => (i ? mood.ctx.lineTo(mx(b.time), my(b.mood[name])) : mood.ctx.moveTo(mx(b.time), my(b.mood[name]))));
      mood.ctx.stroke();
    });
  }

  el.start.addEventListener("click", start);
  el.end.addEventListener("click", end);
  el.form.addEventListener("submit", send);
  const match = /^#live=([0-9a-f]+)&token=([A-Za-z0-9_%-]+)$/.exec(location.hash);
  if (match) {
    el.start.textContent = "Join live";
    el.start.onclick = (event) => { event.stopImmediatePropagation(); join(match[1], decodeURIComponent(match[2])); };
    el.start.removeEventListener("click", start);
  }
})();
