// `node --import ./tools/register-ts-hooks.js --test …`: see ts-hooks.js.
import { register } from 'node:module';

register('./ts-hooks.js', import.meta.url);
