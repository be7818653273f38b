// Prints the generated contract block for provisioning/telegraf/telegraf.d/telemetry.star.
import { renderStarlarkContract } from '../src/starlark';

process.stdout.write(renderStarlarkContract() + '\n');
