// Calling mynakey-verifyd from Node (18+, standard library only).
//   node client.mjs challenge SESSION          -> prints the challenge for the page
//   node client.mjs login SESSION ORIGIN < token.json -> prints the verdict, exit 0 if valid
const base = process.env.VERIFYD_URL ?? "http://127.0.0.1:8080";

async function call(path, body) {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

// Before the login page: one challenge per browser session (single use, 5 minutes).
export async function newChallenge(session) {
  return (await call("/v1/challenges", { session })).challenge;
}

// The page posted `token` (the object mynakey.authenticate returned): forwarded as it is, the
// service takes this session's challenge and checks the proof.
export async function verifyLogin(session, origin, token) {
  return call("/v1/login", { token, origin, session });
}

const [cmd, session, origin] = process.argv.slice(2);
if (cmd === "challenge") {
  console.log(await newChallenge(session));
} else if (cmd === "login") {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  // stdin: the body the page posted, i.e. the token object as JSON.
  const verdict = await verifyLogin(session, origin, JSON.parse(Buffer.concat(chunks).toString()));
  console.log(JSON.stringify(verdict));
  process.exit(verdict.valid ? 0 : 1);
}
