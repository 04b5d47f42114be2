// The official OpenAI client against a running `chorus serve`:
//   node check.mjs http://127.0.0.1:8080/v1
// Asks for a completion and for the same completion streamed (same seed), checks that the stream's
// pieces concatenate to the completion's text, and prints one JSON line with what it saw.
import OpenAI from "openai";

const baseURL = process.argv[2];
if (!baseURL) {
  console.error("usage: node check.mjs BASE_URL (e.g. http://127.0.0.1:8080/v1)");
  process.exit(2);
}
const client = new OpenAI({ baseURL, apiKey: "not-needed", maxRetries: 0, timeout: 60_000 });

function fail(message) {
  console.error("openai-client check failed: " + message);
  process.exit(1);
}

const models = await client.models.list();
const ids = [];
for await (const m of models) ids.push(m.id);
if (!ids.includes("chorus")) fail("GET /v1/models does not list 'chorus': " + JSON.stringify(ids));

const request = { model: "chorus", prompt: "The Commission", max_tokens: 12, temperature: 0.8, seed: 42 };
const completion = await client.completions.create(request);
const text = completion.choices[0].text;
if (typeof text !== "string") fail("no text in " + JSON.stringify(completion));
if (!completion.usage || completion.usage.total_tokens !== completion.usage.prompt_tokens + completion.usage.completion_tokens) {
  fail("bad usage in " + JSON.stringify(completion));
}
if (!completion.chorus || !Array.isArray(completion.chorus.experts) || completion.chorus.experts.length === 0) {
  fail("no chorus.experts in " + JSON.stringify(completion));
}

const stream = await client.completions.create({ ...request, stream: true });
let streamed = "";
let chunks = 0;
let finish = null;
for await (const chunk of stream) {
  chunks++;
  for (const choice of chunk.choices) {
    streamed += choice.text;
    if (choice.finish_reason) finish = choice.finish_reason;
  }
}
if (streamed !== text) fail("streamed " + JSON.stringify(streamed) + " but the completion was " + JSON.stringify(text));
if (!finish) fail("the stream ended without a finish_reason");

let refused = null;
try {
  await client.completions.create({ ...request, model: "no-such-model" });
} catch (e) {
  refused = e;
}
if (!(refused instanceof OpenAI.NotFoundError)) fail("an unknown model was not a NotFoundError: " + refused);

console.log(JSON.stringify({ ok: true, text, chunks, finish, experts: completion.chorus.experts }));
