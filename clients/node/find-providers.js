// A Capacity client in Node, compiled at run time from the repository's protos alone
// (src/Capacity.Protos and its vendored third_party/): a token from the demo's sign-in, a match
// over gRPC, then a refused request and the google.rpc.BadRequest details that say why.
//   CAPACITY_WEB_URL   web port: token endpoint and JSON API (default http://localhost:5080)
//   CAPACITY_GRPC_URL  gRPC port, HTTP/2 without TLS (default http://localhost:5081)
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = process.env.CAPACITY_WEB_URL ?? 'http://localhost:5080';
const grpcAddress = new URL(process.env.CAPACITY_GRPC_URL ?? 'http://localhost:5081').host;
const protos = fileURLToPath(new URL('../../src/Capacity.Protos', import.meta.url));
const includeDirs = [protos, path.join(protos, 'third_party')];

// 1. A token for a demo identity: a transfer desk of a hospital (role requester).
const signIn = await fetch(`${web}/demo/token?role=requester&code=amstelland-ziekenhuis`);
if (!signIn.ok) throw new Error(`GET /demo/token: ${signIn.status} ${await signIn.text()}`);
const { token } = await signIn.json();
const auth = new grpc.Metadata();
auth.set('authorization', `Bearer ${token}`);

// 2. The gRPC client, from the .proto files (field names as in the proto, enums as names).
const definition = protoLoader.loadSync('capacity/v1/matching.proto', { includeDirs, keepCase: true, enums: String, defaults: true });
const { capacity: { v1 } } = grpc.loadPackageDefinition(definition);
const matching = new v1.MatchingService(grpcAddress, grpc.credentials.createInsecure());
const findProviders = (request) => new Promise((resolve, reject) =>
  matching.FindProviders(request, auth, (error, response) => (error ? reject(error) : resolve(response))));

// Today in the Netherlands, as a google.type.Date.
const [year, month, day] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date()).split('-').map(Number);
const search = { patient_postcode: '1183', insurer_uzovi: '3311', care_type: 'CARE_TYPE_DISTRICT_NURSING', start_date: { year, month, day } };

const found = await findProviders(search);
console.log(`${found.candidates.length} candidates for ${found.patient_pc4} (${found.municipality}), ${found.exclusions.length} excluded`);
for (const c of found.candidates)
  console.log(`candidate ${c.provider.agb} ${c.provider.name}: ${c.free_places} free, ${c.distance_km.toFixed(1)} km`);

// 3. A postcode area that does not exist: INVALID_ARGUMENT with a google.rpc.Status in the
// grpc-status-details-bin trailer, whose details hold a google.rpc.BadRequest.
const errors = new protobuf.Root().loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']
  .map((file) => path.join(protos, 'third_party', file)), { keepCase: true });
try {
  await findProviders({ ...search, patient_postcode: '1000' });
} catch (error) {
  console.log(`refused: ${grpc.status[error.code]}: ${error.details}`);
  const [statusBytes] = error.metadata.get('grpc-status-details-bin');
  const status = errors.lookupType('google.rpc.Status').decode(statusBytes);
  for (const detail of status.details) {
    // An Any: its type URL names the message (google.rpc.BadRequest, google.rpc.ErrorInfo ...).
    const message = errors.lookupType(detail.type_url.split('/').pop()).decode(detail.value);
    for (const violation of message.field_violations ?? [])
      console.log(`violation ${violation.field} ${violation.reason}: ${violation.description}`);
    if (message.domain) console.log(`error ${message.domain} ${message.reason}`);
  }
}
matching.close();
