// Shows whether the service and its Redis are healthy.
(async () => {
  const status = document.getElementById("status");
  try {
    const response = await fetch("/healthz");
    status.textContent = response.ok ? "De dienst draait en Redis is bereikbaar." : "De dienst draait, maar Redis is niet bereikbaar.";
    status.className = response.ok ? "ok" : "bad";
  } catch {
    status.textContent = "De dienst is niet bereikbaar.";
    status.className = "bad";
  }
})();
