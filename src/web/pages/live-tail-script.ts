// The agent page's script: follows the live tail (EventSource) and puts new activity and state
// on the page without a reload. Every text goes in through textContent, never as HTML, and only
// http(s) addresses become links; the server's data reaches it only as JSON over the tail.
export const liveTailScript = `
(() => {
  const list = document.getElementById("events");
  const live = document.querySelector("[data-live]");
  const path = list && list.dataset.events;
  if (!list || !path) return;
  const field = (name) => document.querySelector('[data-field="' + name + '"]');
  const source = new EventSource(path);
  source.onopen = () => { live.textContent = "live"; live.classList.add("on"); };
  source.onerror = () => { live.textContent = "reconnecting…"; live.classList.remove("on"); };
  source.addEventListener("line", (message) => {
    const event = JSON.parse(message.data);
    const nearEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const item = document.createElement("li");
    item.className = "event-" + String(event.kind).replace(/[^a-z_]/g, "");
    const time = document.createElement("time");
    time.textContent = new Date(event.at).toISOString().slice(11, 19);
    item.append(time, String(event.text));
    list.append(item);
    while (list.children.length > 1000) list.firstElementChild.remove();
    const empty = document.querySelector("[data-empty]");
    if (empty) empty.remove();
    if (nearEnd) list.scrollTop = list.scrollHeight;
  });
  source.addEventListener("state", (message) => {
    const state = JSON.parse(message.data);
    for (const [name, value] of Object.entries(state.fields)) {
      const element = field(name);
      if (element) element.textContent = String(value);
    }
    const bar = document.querySelector("progress");
    if (bar) bar.value = Number(state.spentRatio) || 0;
    const pull = field("pull");
    if (pull && typeof state.pullUrl === "string" && /^https?:\\/\\//i.test(state.pullUrl)) {
      pull.href = state.pullUrl;
      pull.textContent = String(state.pullLabel || "pull request");
      pull.hidden = false;
      const none = field("no-pull");
      if (none) none.hidden = true;
    }
    for (const entry of state.tree || []) {
      for (const row of document.querySelectorAll("[data-agent]")) {
        if (row.dataset.agent !== entry.id) continue;
        const stateCell = row.querySelector(':scope > [data-part="state"]');
        const spendCell = row.querySelector(':scope > [data-part="spend"]');
        if (stateCell) stateCell.textContent = String(entry.state);
        if (spendCell) spendCell.textContent = String(entry.spend);
      }
    }
  });
  source.addEventListener("end", () => {
    source.close();
    live.textContent = "(ended)";
    live.classList.remove("on");
  });
})();
`;
