import { describeCampaignPart } from '../../../helpers/fault-campaign';

// Seeded fault injection over the prober service on dynalite: see test/helpers/fault-campaign.ts.
describeCampaignPart(2);
