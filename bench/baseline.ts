import express from 'express';

/** The yardstick: express answering JSON with no work behind it. */
const app = express();
app.disable('x-powered-by');
app.use(express.json());
app.post('/v1/execute', (_req, res) => {
  res.json({ hello: 'world' });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`listening ${typeof a === 'object' && a ? a.port : ''}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
