// The official Node SDK, unmodified but for its base URL, through the Pacer gateway.
// Run by NodeSdkThroughGatewayTest with ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY set; prints one JSON line.
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic({ maxRetries: 2, timeout: 60_000 });
const params = { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Say hello in three languages.' }] };
const out = {};

const message = await client.messages.create(params);
out.message = { id: message.id, type: message.type, output: message.usage.output_tokens, text: message.content[0].text.length > 0 };

const events = [];
let text = '';
const stream = await client.messages.create({ ...params, stream: true });
for await (const event of stream) {
  events.push(event.type);
  if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
}
out.stream = { first: events[0], last: events.slice(-2), text: text.length > 0 };

const count = await client.messages.countTokens({ model: params.model, messages: params.messages });
out.countTokens = { input: count.input_tokens, matches: count.input_tokens === message.usage.input_tokens };

let batch = await client.messages.batches.create({
  requests: [0, 1, 2].map((i) => ({ custom_id: `req-${i}`, params: { model: 'claude-haiku-4-5', max_tokens: 32, messages: [{ role: 'user', content: `Item ${i}` }] } })),
});
const until = Date.now() + 60_000;
while (batch.processing_status !== 'ended' && Date.now() < until) {
  await new Promise((r) => setTimeout(r, 200));
  batch = await client.messages.batches.retrieve(batch.id);
}
const results = [];
for await (const r of await client.messages.batches.results(batch.id)) results.push(r.result.type);
out.batch = { status: batch.processing_status, resultsUrl: batch.results_url, results };

// The gateway's own 429: two calls back to back, each allowing 100 ms to be admitted, on a class paced to
// one request per simulated minute. The second is refused with retry-after; the SDK's own retry lands it.
const impatient = client.withOptions({ defaultHeaders: { 'x-pacer-deadline-ms': '100' } });
const one = await impatient.messages.create({ ...params, model: 'claude-opus-4-5', max_tokens: 8 });
const two = await impatient.messages.create({ ...params, model: 'claude-opus-4-5', max_tokens: 8 }).withResponse();
out.retried = { first: one.type, second: two.data.type, status: two.response.status };

console.log(JSON.stringify(out));
